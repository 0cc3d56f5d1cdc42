using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Planning;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Runtime.Execution.Gpu;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Reports;

/// <summary>Puts one job's results together as the <see cref="OptimizationReport"/> that every report file and the build's summary line are written from.</summary>
public sealed class ReportComposer
{
    private readonly JobContext _context;

    /// <summary>A composer for <paramref name="context"/>'s job.</summary>
    public ReportComposer(JobContext context)
    {
        _context = context;
    }

    /// <summary>The report of the job, for the embedded <paramref name="chosen"/> model; <paramref name="cpuFallback"/> lists its nodes without CUDA kernels when the app runs it on CUDA.</summary>
    public OptimizationReport Compose(ModelSummary before, Candidate chosen, long originalBytes, long embeddedBytes,
        LatencyResult? latency, IReadOnlyList<ValueSensitivity> nodeErrors, IReadOnlyList<AutoTrial> trials, IReadOnlyList<CpuFallbackNode> cpuFallback)
    {
        var job = _context.Job;
        var after = ModelSummary.Create(chosen.Model);
        var outcome = chosen.Outcome;
        return new OptimizationReport(
            job.ModelPath, job.OutputPath, job.Options,
            originalBytes, chosen.Bytes.LongLength, embeddedBytes,
            before.ParameterCount, after.ParameterCount,
            outcome.CostBefore.Macs, outcome.CostAfter.Macs, outcome.CostBefore.IsComplete && outcome.CostAfter.IsComplete,
            outcome.MagnitudePruning is { } magnitude ? PruningSummary.From(magnitude) : outcome.StructuredPruning is { } structured ? PruningSummary.From(structured) : null,
            before.OpHistogram, after.OpHistogram,
            outcome.Nodes, chosen.Check.Comparison.Outputs.Select(o => o.Output).ToArray(),
            chosen.Check, latency is null ? null : LatencySummary.From(latency), nodeErrors,
            chosen.QuantizedWith, trials,
            Math.Round(_context.Clock.Elapsed.TotalSeconds, 3))
        {
            Steps = _context.Steps,
            Execution = ExecutionSummary.Of(_context),
            CpuFallbackNodes = cpuFallback,
        };
    }
}
