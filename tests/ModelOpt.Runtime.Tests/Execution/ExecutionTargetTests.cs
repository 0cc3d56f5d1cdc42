using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Execution.Gpu;
using ModelOpt.Runtime.Tests.Validation;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Execution;

/// <summary>How a requested provider becomes the job's target, for every answer the CUDA probe can give.</summary>
public sealed class ExecutionTargetTests
{
    private static readonly CudaReadiness Usable = new("NVIDIA H100 80GB HBM3", []);
    private static readonly CudaReadiness Missing = new(null, ["missing libcudnn.so.9, libcublas.so.13 (searched the loader's path)"]);

    [Fact]
    public void Cpu_never_asks_the_probe()
    {
        var resolution = ExecutionTarget.Resolve(ExecutionProviderRequest.Cpu, requireGpu: false, () => throw new InvalidOperationException("probed"));
        Assert.Same(ExecutionTarget.Cpu, resolution.Target);
        Assert.Null(resolution.Diagnostic);
        Assert.Equal("CPUExecutionProvider", resolution.Target.Provider);
    }

    [Theory]
    [InlineData(ExecutionProviderRequest.Auto)]
    [InlineData(ExecutionProviderRequest.Cuda)]
    public void A_usable_gpu_is_the_target_with_its_name(ExecutionProviderRequest request)
    {
        var resolution = ExecutionTarget.Resolve(request, requireGpu: true, () => Usable);
        Assert.True(resolution.Target.IsCuda);
        Assert.Equal(0, resolution.Target.CudaDevice);
        Assert.Equal("NVIDIA H100 80GB HBM3", resolution.Target.Name);
        Assert.Equal("CUDAExecutionProvider", resolution.Target.Provider);
        Assert.Null(resolution.Diagnostic);
    }

    [Fact]
    public void Auto_without_a_gpu_runs_on_the_cpu_silently_and_says_why_in_the_reason()
    {
        var resolution = ExecutionTarget.Resolve(ExecutionProviderRequest.Auto, requireGpu: false, () => Missing);
        Assert.Same(ExecutionTarget.Cpu, resolution.Target);
        Assert.Null(resolution.Diagnostic);
        Assert.Contains("libcudnn.so.9", resolution.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_without_a_gpu_warns_MOPT0013_naming_what_is_missing_and_runs_on_the_cpu()
    {
        var resolution = ExecutionTarget.Resolve(ExecutionProviderRequest.Cuda, requireGpu: false, () => Missing);
        Assert.Same(ExecutionTarget.Cpu, resolution.Target);
        var warning = Assert.IsType<ExecutionTargetDiagnostic>(resolution.Diagnostic);
        Assert.False(warning.IsError);
        Assert.Equal("MOPT0013", warning.Code);
        Assert.Contains("libcudnn.so.9, libcublas.so.13", warning.Message, StringComparison.Ordinal);
        Assert.Contains("run on the CPU", warning.Message, StringComparison.Ordinal);

        // Sessions of the resolved target run like any other.
        using var sessions = new SessionFactory(resolution.Target);
        byte[] model = ValidationModels.Linear();
        var result = ModelComparison.Compare(sessions, model, model, SampleSet.Generate(ValidationModels.LinearModel(), null, count: 1));
        Assert.Equal(1, Assert.Single(result.Outputs).WorstCosine, 12);
    }

    [Theory]
    [InlineData(ExecutionProviderRequest.Auto)]
    [InlineData(ExecutionProviderRequest.Cuda)]
    public void RequireGpu_without_a_gpu_is_error_MOPT0200_naming_what_is_missing(ExecutionProviderRequest request)
    {
        var resolution = ExecutionTarget.Resolve(request, requireGpu: true, () => Missing);
        var error = Assert.IsType<ExecutionTargetDiagnostic>(resolution.Diagnostic);
        Assert.True(error.IsError);
        Assert.Equal(DiagnosticCode.GpuRequiredButUnavailable, error.Code);
        Assert.Contains("libcudnn.so.9, libcublas.so.13", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelOptRequireGpu", error.Message, StringComparison.Ordinal);
    }

    /// <summary>This test process runs ONNX Runtime's CPU package, which has no CUDA provider, so the live probe says so on any machine.</summary>
    [Fact]
    public void The_live_probe_of_the_cpu_package_names_the_missing_cuda_provider()
    {
        var readiness = CudaProbe.Current;
        Assert.False(readiness.Usable);
        Assert.Null(readiness.DeviceName);
        Assert.Contains(readiness.Problems, p => p.Contains(OnnxRuntimeNative.CudaProviderFileName, StringComparison.Ordinal) && p.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0", StringComparison.Ordinal));
        var resolution = ExecutionTarget.Resolve(ExecutionProviderRequest.Cuda);
        Assert.Equal("MOPT0013", resolution.Diagnostic?.Code);
    }
}
