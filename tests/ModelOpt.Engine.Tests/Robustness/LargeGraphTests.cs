using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Tests.Robustness;

/// <summary>
/// The whole optimize job stays linear in the graph's size and bounded in memory, shown by
/// counting work rather than timing it: the managed bytes our code allocates per node must not
/// grow with the chain (a step that rebuilt a list, a copy or a lookup per node or per edit
/// would make them grow with it), the ONNX Runtime sessions a job creates must not depend on
/// the size, and no more than two are ever alive at once. Above the measurement limit the
/// informative steps (latency, per-node error) are left out with MOPT0023, never the load
/// check or the gate, and the gate holds one session at a time.
/// </summary>
public sealed class LargeGraphTests
{
    [Theory]
    [InlineData(ChainShape.Relu, 500, 5_000)]
    [InlineData(ChainShape.MatMulAdd, 300, 3_000)]
    public void A_chain_ten_times_longer_costs_no_more_work_per_node_and_no_more_sessions(ChainShape shape, int shortChain, int longChain)
    {
        var small = Optimize(shape, shortChain, new OptimizationEngine(TextWriter.Null));
        var large = Optimize(shape, longChain, new OptimizationEngine(TextWriter.Null));

        // Fixed costs (options, reports, ONNX Runtime's managed wrappers) weigh more per node in
        // the short chain, so linear work shows as a ratio at or below 1; quadratic work as about 10.
        double perNodeRatio = large.AllocatedBytes / (double)longChain / (small.AllocatedBytes / (double)shortChain);
        Assert.True(perNodeRatio <= 1.25, FormattableString.Invariant(
            $"{shape}: {large.AllocatedBytes / (double)longChain:0} bytes allocated per node at {longChain} nodes against {small.AllocatedBytes / (double)shortChain:0} at {shortChain} (x{perNodeRatio:0.00})"));
        Assert.Equal(small.SessionsCreated, large.SessionsCreated);
        // The load check alone, then the gate's pair, latency's pair, per-node error's pair (one
        // session for a pair whose models are the same bytes: a Relu chain has nothing to quantize).
        Assert.Equal(small.PeakOpenSessions, large.PeakOpenSessions);
        Assert.InRange(large.PeakOpenSessions, 1, 2);
        Assert.Equal(0, large.OpenSessionsAfter);
        Assert.NotNull(large.Report.Latency);
        Assert.NotEmpty(large.Report.NodeErrors);
    }

    [Fact]
    public void Above_the_measurement_limit_latency_and_per_node_error_are_skipped_with_a_warning_but_the_gate_runs()
    {
        var diagnostics = new StringWriter();
        var measured = Optimize(ChainShape.MatMulAdd, 200, new OptimizationEngine(TextWriter.Null));
        var skipped = Optimize(ChainShape.MatMulAdd, 200, new OptimizationEngine(diagnostics) { MeasurementNodeLimit = 199 }, minCosine: "0.99");

        Assert.Contains($"warning {DiagnosticCode.LargeGraphMeasurementsSkipped}:", diagnostics.ToString(), StringComparison.Ordinal);
        Assert.Contains("more than 199", diagnostics.ToString(), StringComparison.Ordinal);
        Assert.Null(skipped.Report.Latency);
        Assert.Empty(skipped.Report.NodeErrors);
        Assert.Contains(skipped.Report.Notes, n => n.StartsWith("latency and per-node error not measured: the graph has 200 nodes", StringComparison.Ordinal));
        // The gate compared the models on its inputs and checked the threshold.
        Assert.True(skipped.Report.Accuracy.Comparison.SampleCount > 0);
        Assert.Equal(0.99, skipped.Report.Accuracy.Thresholds.MinCosineSimilarity);
        // The load check, then the original and the candidate in turn: never two sessions at once.
        Assert.Equal(3, skipped.SessionsCreated);
        Assert.Equal(1, skipped.PeakOpenSessions);
        Assert.Equal(0, skipped.OpenSessionsAfter);
        // The same verdict and model bytes as a job that loaded them side by side and measured everything.
        Assert.Equal(measured.Report.Accuracy.WorstCosine, skipped.Report.Accuracy.WorstCosine);
        Assert.Equal(measured.Report.Accuracy.Comparison.SampleCount, skipped.Report.Accuracy.Comparison.SampleCount);
        Assert.Equal(measured.ModelBytes, skipped.ModelBytes);
    }

    private static Outcome Optimize(ChainShape shape, int nodes, OptimizationEngine engine, string minCosine = "0")
    {
        using var folder = new TempFolder();
        string model = folder.File("chain.onnx");
        using (var chain = ChainModels.Build(shape, nodes)) OnnxModelWriter.Save(chain, model);
        var options = OptimizationOptions.Parse(
            [KeyValuePair.Create("quantize", "Dynamic"), KeyValuePair.Create("min-cosine-similarity", minCosine), KeyValuePair.Create("latency-runs", "1")],
            null, model);
        // Every report a build writes, so their work is counted too.
        var job = new OptimizationJob(model, folder.File("out.onnx"), folder.File("out.json"), folder.File("out.md"), null, options) { HtmlReportPath = folder.File("out.html") };

        using var sessions = new SessionFactory();
        // Our code runs on this thread (ONNX Runtime's threads allocate natively, not counted).
        long before = GC.GetAllocatedBytesForCurrentThread();
        var report = engine.Run(job, sessions);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new Outcome(report, allocated, sessions.SessionsCreated, sessions.PeakOpenSessions, sessions.OpenSessions, File.ReadAllBytes(folder.File("out.onnx")));
    }

    private sealed record Outcome(Reports.OptimizationReport Report, long AllocatedBytes, int SessionsCreated, int PeakOpenSessions, int OpenSessionsAfter, byte[] ModelBytes);
}
