using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static.Calibration;

/// <summary>
/// Runs a float model on calibration samples and gathers statistics of chosen activations.
/// Static quantization needs a runtime for that, and the passes have none: ModelOpt.Runtime
/// implements this interface with ONNX Runtime, and the engine hands it to the pass.
/// </summary>
public interface IActivationObserver
{
    /// <summary>
    /// Statistics for every value of <paramref name="activations"/>, in the same order, and the
    /// element type each has when the model runs (statistics are collected for FLOAT ones only).
    /// </summary>
    /// <param name="model">The float model (not modified).</param>
    /// <param name="activations">FLOAT values of the main graph to observe.</param>
    /// <param name="data">The samples.</param>
    /// <param name="withHistograms">Whether the method needs histograms (all but MinMax).</param>
    /// <param name="visitor">Hears each FLOAT activation of each sample as it is produced, for statistics a caller gathers itself (the input Gram matrices of error-compensated rounding); null when none.</param>
    (ActivationHistogram[] Statistics, ElementType[] Types) Collect(OnnxModel model, IReadOnlyList<Value> activations, SampleSet data, bool withHistograms,
        ActivationVisitor? visitor = null);
}

/// <summary>One activation of one sample: its index in the observed list, its values and its shape.</summary>
public delegate void ActivationVisitor(int activation, ReadOnlySpan<float> values, IReadOnlyList<long> dims);
