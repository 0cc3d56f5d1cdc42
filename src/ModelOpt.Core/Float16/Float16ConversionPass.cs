using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// Float16 conversion (item metadata Quantize="Float16"): FLOAT weights are stored as FLOAT16
/// and nodes compute in FLOAT16, halving the file. The model's FLOAT inputs and outputs stay
/// FLOAT by default, with casts at the boundary. Operators that must stay FLOAT (ONNX schemas
/// without FLOAT16, ONNX Runtime CPU limits, quantized operators: <see cref="Float16BlockList"/>),
/// options' exclusions, other domains' operators and nodes whose input types cannot be told stay
/// FLOAT, with casts where they meet FLOAT16 values, and the report says why, node by
/// node. If/Loop/Scan bodies are converted with their node; constants are converted where they
/// are stored (initializers, Constant nodes, ConstantOfShape values); type attributes (Cast's
/// <c>to</c>, <c>dtype</c>) follow; value_info is updated; redundant casts are removed.
/// </summary>
public sealed class Float16ConversionPass : IModelPass<Float16ConversionReport>
{
    /// <summary>Creates the pass.</summary>
    public Float16ConversionPass(Float16ConversionOptions? options = null)
    {
        Options = options ?? Float16ConversionOptions.Default;
    }

    /// <summary>
    /// Creates the pass with a range check: before converting, <paramref name="observer"/> runs the
    /// float model on <paramref name="samples"/>, and nodes whose values FLOAT16 cannot hold stay
    /// in FLOAT (<see cref="Float16RangeCheck"/>).
    /// </summary>
    public Float16ConversionPass(Float16ConversionOptions? options, SampleSet? samples, IActivationObserver? observer)
        : this(options)
    {
        Samples = samples;
        Observer = observer;
    }

    /// <summary>The samples the range check runs on; null without a range check.</summary>
    public SampleSet? Samples { get; }

    /// <summary>What runs the float model for the range check; null without one.</summary>
    public IActivationObserver? Observer { get; }

    /// <summary>The options.</summary>
    public Float16ConversionOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "Float16Conversion";

    /// <summary>
    /// None that an upgrade could meet: the casts need Cast-6, and the opset upgrade starts at
    /// opset 7, so an older model is refused (<see cref="DiagnosticCode.Float16OpsetTooOld"/>) and re-exported instead.
    /// </summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<Float16ConversionReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = Options;
        if (Samples is not null && Observer is not null)
        {
            var measured = Float16RangeCheck.Find(model, Samples, Observer);
            if (measured.Count > 0)
            {
                var keep = new Dictionary<string, string>(options.KeepInFloat, StringComparer.Ordinal);
                foreach (var (name, reason) in measured) keep.TryAdd(name, reason);
                options = options with { KeepInFloat = keep };
            }
        }
        var converter = new Float16Converter(model, options);
        bool modified = converter.HasWork;
        long opset = model.GetOpsetVersion("") ?? 1;
        if (modified && opset < TypeAttributes.IntegerCastSince)
        {
            // ONNX Runtime runs FLOAT16 nodes that have no FLOAT16 CPU kernel by inserting Casts
            // with an integer 'to' (insert_cast_transformer.cc), which Cast-1 rejects; our own
            // boundary casts would need Cast-6 too. Checked with the backend suite's opset-1 models.
            throw PassErrors.InModel(this, model, DiagnosticCode.Float16OpsetTooOld,
                string.Create(CultureInfo.InvariantCulture,
                    $"the model imports opset {opset}; Float16 needs opset {TypeAttributes.IntegerCastSince} or later, whose Cast takes an integer 'to' as the casts between FLOAT and FLOAT16 need. Re-export the model at opset {TypeAttributes.IntegerCastSince} or later (13 or later recommended), or choose another Quantize mode."));
        }
        var summary = modified ? converter.Apply() : new Float16ConversionSummary(0, default, 0, 0);
        return PassResult.Create(this, modified, new Float16ConversionReport(converter.Report(), model.GetOpsetVersion(""), summary));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);
}
