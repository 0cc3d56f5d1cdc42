namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The GPU properties from a project to the worker: ModelOptOnnxRuntimeNative makes the worker
/// load ONNX Runtime from that folder, ModelOptExecutionProvider and ModelOptRequireGpu decide
/// what a missing GPU does. The folder here holds only a copy of the CPU <c>libonnxruntime.so</c>
/// (what a GPU package folder without its CUDA provider would be), so the worker must name it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class GpuBuildTests(PackageFixture package)
{
    [Fact]
    public void The_gpu_properties_reach_the_worker_which_names_what_is_missing()
    {
        if (!OperatingSystem.IsLinux()) return; // The CUDA provider and its checks are Linux x64 only.
        var lib = package.CreateConsumer("gpu");
        lib.WriteModel("Models/m.onnx", seed: 71);
        string native = lib.Directory + ".ort-native";
        Directory.CreateDirectory(native);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so"), Path.Combine(native, "libonnxruntime.so"), overwrite: true);
        string Project(string provider, bool requireGpu, bool handOver) => $"""
              <PropertyGroup>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <ModelOptExecutionProvider>{provider}</ModelOptExecutionProvider>
                <ModelOptRequireGpu>{(requireGpu ? "true" : "false")}</ModelOptRequireGpu>
                {(handOver ? $"<ModelOptOnnxRuntimeNative>{native}</ModelOptOnnxRuntimeNative>" : "")}
              </PropertyGroup>
              <ItemGroup>
                <OptimizeModel Include="Models/m.onnx" />
              </ItemGroup>
            """;

        lib.WriteProject(Project("Cuda", requireGpu: true, handOver: true));
        var failed = lib.Build().AssertFailed();
        var error = Assert.Single(failed.Result.Errors, e => e.Code == "MOPT0200");
        Assert.Contains($"'{native}' has no libonnxruntime_providers_cuda.so", error.Text, StringComparison.Ordinal);
        Assert.Empty(lib.OptimizedOutputs());

        lib.WriteProject(Project("Cuda", requireGpu: false, handOver: true));
        var warned = lib.Build().AssertSucceeded();
        var warning = Assert.Single(warned.Result.Diagnostics, d => d.Kind == "warning" && d.Code == "MOPT0013");
        Assert.Contains($"'{native}' has no libonnxruntime_providers_cuda.so", warning.Text, StringComparison.Ordinal);
        byte[] cuda = OnlyOutput(lib);

        // Without a GPU, Cuda makes the bytes a CPU build makes.
        lib.WriteProject(Project("Cpu", requireGpu: false, handOver: false));
        var cpu = lib.Build().AssertSucceeded();
        Assert.DoesNotContain(cpu.Result.Diagnostics, d => d.Code == "MOPT0013");
        Assert.Equal(cuda, OnlyOutput(lib));
    }

    private static byte[] OnlyOutput(ConsumerProject lib)
        => File.ReadAllBytes(Path.Combine(lib.ModelOptDirectory(), Assert.Single(lib.OptimizedOutputs().Keys)));
}
