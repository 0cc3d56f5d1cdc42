using System.Security.Cryptography;
using System.Text;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;

namespace ModelOpt.Engine.Reports;

/// <summary>Where a job ran: the provider it asked for, the device and provider it got and why, and where each kind of step ran.</summary>
/// <param name="Requested">ExecutionProvider as asked (Auto, Cpu, Cuda).</param>
/// <param name="Device">The device ONNX Runtime's sessions ran on: "CPU" or the GPU's name.</param>
/// <param name="Provider">ONNX Runtime's provider name (CPUExecutionProvider, CUDAExecutionProvider).</param>
/// <param name="Reason">Why: asked for, CUDA found usable, or what is missing for CUDA.</param>
/// <param name="Steps">Each kind of step and where it ran.</param>
/// <param name="ModelKey">SHA-256 of the options that shape the model, with the provider the job resolved to (<see cref="OptionTable.ModelKey"/>): equal keys, equal bytes.</param>
public sealed record ExecutionSummary(string Requested, string Device, string Provider, string Reason, IReadOnlyList<StepPlacement> Steps, string ModelKey)
{
    /// <summary>Graph work is managed code on the CPU; every ONNX Runtime session runs on the job's target.</summary>
    public static ExecutionSummary Of(JobContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.Execution.Target;
        var resolved = target.IsCuda ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu;
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OptionTable.ModelKey(context.Options, resolved, context.PathDigest))));
        return new ExecutionSummary(context.Execution.Requested.ToString(), target.Name, target.Provider, context.Execution.Reason,
        [
            new("load, fold, prune, quantize, write (graph rewrites)", "CPU", "managed code"),
            new("calibration, accuracy gate, latency, per-node error (ONNX Runtime sessions)", target.Name, target.Provider),
        ], key);
    }
}

/// <summary>One kind of step and where it ran.</summary>
/// <param name="Steps">The steps.</param>
/// <param name="Device">The device ("CPU" or the GPU's name).</param>
/// <param name="Provider">ONNX Runtime's provider, or "managed code" for work outside ONNX Runtime.</param>
public sealed record StepPlacement(string Steps, string Device, string Provider);
