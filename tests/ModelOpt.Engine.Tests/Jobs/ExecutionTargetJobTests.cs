using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>
/// Where a job runs and what the deployment target does to it. This test process runs ONNX
/// Runtime's CPU package, so every machine (CI's included) is one without a usable GPU.
/// </summary>
public sealed class ExecutionTargetJobTests
{
    private static readonly TransformerEncoderBuilder Encoder = new() { Layers = 1, Hidden = 32, Heads = 2, FeedForward = 64, SequenceLength = 8, BatchSize = 1 };

    [Fact]
    public void Cuda_without_a_gpu_warns_once_runs_on_the_cpu_and_makes_the_cpu_bytes()
    {
        using var folder = new TempFolder();
        string model = WriteEncoder(folder);
        var diagnostics = new StringWriter();

        var cuda = new OptimizationEngine(diagnostics).Run(Job(folder, model, "cuda.onnx", ("execution-provider", "Cuda")));
        var cpu = new OptimizationEngine(TextWriter.Null).Run(Job(folder, model, "cpu.onnx", ("execution-provider", "Cpu")));

        string text = diagnostics.ToString();
        Assert.Single(text.Split('\n'), line => line.Contains("warning MOPT0013", StringComparison.Ordinal));
        Assert.StartsWith($"app.csproj: warning MOPT0013: {model}: ExecutionProvider=\"Cuda\" found no usable GPU: ", text, StringComparison.Ordinal);
        Assert.Contains("libonnxruntime_providers_cuda.so", text, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(folder.File("cpu.onnx")), File.ReadAllBytes(folder.File("cuda.onnx")));

        // The report says where it ran and why; the key of the result is the CPU's.
        var execution = Assert.IsType<ExecutionSummary>(cuda.Execution);
        Assert.Equal("Cuda", execution.Requested);
        Assert.Equal("CPU", execution.Device);
        Assert.Equal("CPUExecutionProvider", execution.Provider);
        Assert.Contains("no usable GPU", execution.Reason, StringComparison.Ordinal);
        Assert.Equal(cpu.Execution!.ModelKey, execution.ModelKey);
        Assert.Matches(@", ran on CPU, computed in [0-9.]+ s$", cuda.SummaryLine());
        string markdown = ReportWriter.Markdown(cuda);
        Assert.Contains("## Where it ran", markdown, StringComparison.Ordinal);
        Assert.Contains("| calibration, accuracy gate, latency, per-node error (ONNX Runtime sessions) | CPU | CPUExecutionProvider |", markdown, StringComparison.Ordinal);
        Assert.Contains("\"provider\": \"CPUExecutionProvider\"", ReportWriter.Json(cuda), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cuda")]
    [InlineData("Auto")]
    public void RequireGpu_without_a_gpu_fails_with_MOPT0200_naming_what_is_missing_and_writes_nothing(string provider)
    {
        using var folder = new TempFolder();
        string model = WriteEncoder(folder);
        File.WriteAllText(folder.File("out.onnx"), "stale output of an earlier build");

        var e = Assert.Throws<ModelOptException>(() => new OptimizationEngine(TextWriter.Null).Run(Job(folder, model, "out.onnx", ("execution-provider", provider), ("require-gpu", "true"))));

        Assert.Equal(DiagnosticCode.GpuRequiredButUnavailable, e.Code);
        Assert.Equal("app.csproj", e.FilePath);
        Assert.Contains($"ExecutionProvider=\"{provider}\" found no usable GPU", e.Message, StringComparison.Ordinal);
        Assert.Contains("has no libonnxruntime_providers_cuda.so", e.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out.onnx")));
    }

    [Fact]
    public void A_cuda_deployment_target_makes_Recommended_choose_Float16_which_stays_on_the_gpu()
    {
        using var folder = new TempFolder();
        string model = WriteEncoder(folder);
        var diagnostics = new StringWriter();

        var report = new OptimizationEngine(diagnostics).Run(Job(folder, model, "out.onnx", ("target-execution-provider", "Cuda")));

        Assert.Equal(QuantizeMode.Float16, report.QuantizedWith);
        Assert.Empty(report.CpuFallbackNodes);
        Assert.DoesNotContain("MOPT0202", diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dynamic_for_a_cuda_deployment_target_lists_the_nodes_that_leave_the_gpu()
    {
        using var folder = new TempFolder();
        string model = WriteEncoder(folder);
        var diagnostics = new StringWriter();

        var report = new OptimizationEngine(diagnostics).Run(Job(folder, model, "out.onnx", ("quantize", "Dynamic"), ("target-execution-provider", "Cuda")));

        Assert.NotEmpty(report.CpuFallbackNodes);
        Assert.Contains(report.CpuFallbackNodes, n => n.OpType == "DynamicQuantizeLinear");
        Assert.Contains(report.CpuFallbackNodes, n => n.OpType == "MatMulInteger");
        string warning = Assert.Single(diagnostics.ToString().Split('\n'), l => l.Contains("warning MOPT0202", StringComparison.Ordinal));
        Assert.Contains($"{report.CpuFallbackNodes.Count} node(s)", warning, StringComparison.Ordinal);
        Assert.Contains("## Nodes that would leave the GPU", ReportWriter.Markdown(report), StringComparison.Ordinal);
        Assert.Matches($@", {report.CpuFallbackNodes.Count} node\(s\) would leave the GPU, computed in [0-9.]+ s$", report.SummaryLine());

        // A CPU deployment target lists none.
        var cpu = new OptimizationEngine(TextWriter.Null).Run(Job(folder, model, "cpu.onnx", ("quantize", "Dynamic")));
        Assert.Empty(cpu.CpuFallbackNodes);
    }

    [Fact]
    public void Auto_for_a_cuda_deployment_target_tries_only_modes_that_run_as_gpu_kernels()
    {
        using var folder = new TempFolder();
        string model = WriteEncoder(folder);

        var report = new OptimizationEngine(TextWriter.Null).Run(Job(folder, model, "out.onnx", ("quantize", "Auto"), ("target-execution-provider", "Cuda"), ("objective", "Size")));

        Assert.Contains(report.QuantizedWith, new[] { QuantizeMode.Int4, QuantizeMode.Float16 });
        foreach (var mode in new[] { QuantizeMode.Static, QuantizeMode.Dynamic })
        {
            var trial = Assert.Single(report.Trials, t => t.Quantize == mode);
            Assert.StartsWith("skipped: TargetExecutionProvider=Cuda", trial.Note, StringComparison.Ordinal);
        }
        Assert.Empty(report.CpuFallbackNodes);
    }

    private static OptimizationJob Job(TempFolder folder, string model, string output, params (string Option, string Value)[] pairs)
        => new(model, folder.File(output), null, null, "app.csproj",
            OptimizationOptions.Parse(pairs.Append(("latency-runs", "0")).Append(("min-cosine-similarity", "0")).Select(p => KeyValuePair.Create(p.Item1, p.Item2)), null, "test"));

    private static string WriteEncoder(TempFolder folder)
    {
        string path = folder.File("encoder.onnx");
        using var model = Encoder.Build();
        OnnxModelWriter.Save(model, path);
        return path;
    }
}
