using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Core.Quantization.Static.Rounding;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// Weight-only 4-bit quantization (Quantize="Int4"): the constant weights of MatMul become
/// blockwise 4-bit codes read by ONNX Runtime's <c>com.microsoft.MatMulNBits</c>, and embedding
/// tables read by Gather become <c>com.microsoft.GatherBlockQuantized</c>. Each block of
/// <see cref="Int4QuantizationOptions.BlockSize"/> weights along the reduction axis has its own
/// scale (and zero point when asymmetric); activations stay in float. The result needs ONNX
/// Runtime, since both operators are contrib operators; the pass adds the <c>com.microsoft</c>
/// opset import. Nodes that cannot or may not be quantized stay in float and are listed, with the
/// reason, in the report. Given calibration samples, MatMul codes are error-compensated
/// (<see cref="Int4ErrorCompensation"/>) on the same blocks and scales. It needs no particular default-domain opset: the operators it writes
/// are version 1 of ONNX Runtime's contrib domain.
/// </summary>
public sealed class Int4WeightOnlyQuantizationPass : IModelPass<QuantizationReport>
{
    /// <summary>Creates the pass; a block size other than 32, 64 or 128 is <see cref="DiagnosticCode.InvalidOption"/>.</summary>
    /// <param name="options">How to quantize; <see cref="Int4QuantizationOptions.Default"/> when null.</param>
    /// <param name="calibrationData">Samples whose MatMul inputs give the Gram matrices of error-compensated rounding (<see cref="Int4QuantizationOptions.WeightRounding"/>); null to round to nearest.</param>
    /// <param name="observer">Runs the float model on them (ONNX Runtime, from ModelOpt.Runtime); needed with <paramref name="calibrationData"/>.</param>
    public Int4WeightOnlyQuantizationPass(Int4QuantizationOptions? options = null, SampleSet? calibrationData = null, IActivationObserver? observer = null)
    {
        if (calibrationData is not null) ArgumentNullException.ThrowIfNull(observer);
        _calibrationData = calibrationData;
        _observer = observer;
        Options = options ?? Int4QuantizationOptions.Default;
        if (!Int4QuantizationOptions.SupportedBlockSizes.Contains(Options.BlockSize))
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, null, string.Create(CultureInfo.InvariantCulture,
                $"BlockSize {Options.BlockSize} is not supported for Int4 quantization; use {string.Join(", ", Int4QuantizationOptions.SupportedBlockSizes)}."));
        }
    }

    private readonly SampleSet? _calibrationData;
    private readonly IActivationObserver? _observer;

    /// <summary>The options.</summary>
    public Int4QuantizationOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "Int4WeightOnlyQuantization";

    /// <summary>None: MatMulNBits and GatherBlockQuantized live in their own domain, which the pass imports.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<QuantizationReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Decide for every node before changing any, so the reasons describe the model as given.
        var context = new Int4QuantizationContext(model, Options, this);
        var decisions = new List<(Node Node, IInt4OpQuantizer Quantizer, string Name, string? Reason)>();
        foreach (var node in model.Graph.AllNodes().ToArray())
        {
            if (Int4Quantizers.Registry.Find(model, node) is not { } quantizer || !quantizer.IsCandidate(context, node)) continue;
            decisions.Add((node, quantizer, NodeFilter.IdentityOf(node), Options.Exclusions.Exclusion(node) ?? quantizer.WhyNot(context, node)));
        }

        MeasureInputGrams(model, context, decisions.Where(d => d.Reason is null && d.Quantizer is MatMulNBitsQuantizer).Select(d => d.Node));

        var entries = new List<NodeQuantization>(decisions.Count);
        foreach (var (node, quantizer, name, reason) in decisions)
        {
            if (reason is not null)
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float, null, reason));
                continue;
            }
            PassErrors.OnNode(this, model, node, () =>
            {
                quantizer.Quantize(context, node);
                return true;
            });
            entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Int4, QuantizationGranularity.PerBlock, null));
        }
        context.RemoveReplacedConstants();

        var report = new QuantizationReport(entries, model.GetOpsetVersion(""));
        if (report.QuantizedCount == 0) return PassResult.Create(this, false, report);
        // Both operators are version 1 of ONNX Runtime's contrib domain; an existing import of it stays as it is.
        ContribOperators.Import(model);
        return PassResult.Create(this, true, report);
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>
    /// With samples and <see cref="Static.WeightRounding.Gptq"/>: one run of the float model over
    /// them, accumulating the input Gram matrix of every MatMul in <paramref name="matMuls"/> whose
    /// K is at most <see cref="Int4QuantizationOptions.MaxErrorCompensatedColumns"/>, in graph
    /// order while they fit in <see cref="Int4QuantizationOptions.MaxErrorCompensationBytes"/>;
    /// MatMuls that read the same input with the same K (a transformer's Q, K and V) share one.
    /// </summary>
    private void MeasureInputGrams(OnnxModel model, Int4QuantizationContext context, IEnumerable<Node> matMuls)
    {
        if (_calibrationData is null || _observer is null || Options.WeightRounding != Static.WeightRounding.Gptq) return;
        var grams = new InputGramSet(Options.MaxErrorCompensatedColumns, Options.MaxErrorCompensationBytes);
        foreach (var node in matMuls)
        {
            // The observer runs the main graph; a MatMul inside a subgraph rounds to nearest.
            if (node.Graph != model.Graph || ConstantValues.TryGetTensor(model, node.Inputs[1]!) is not { } weight) continue;
            if (grams.Add(node, weight.Dims) is { } gram) context.SetInputGram(node, gram);
        }
        if (grams.ByInput.Count == 0) return;
        var inputs = grams.ByInput.Keys.ToArray();
        var listeners = inputs.Select(v => grams.ByInput[v]).ToArray();
        _observer.Collect(model, inputs, _calibrationData, withHistograms: false, (index, values, dims) =>
        {
            foreach (var gram in listeners[index]) gram.Add(values, dims);
        });
    }
}
