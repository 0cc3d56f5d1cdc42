using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
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
/// reason, in the report. It needs no particular default-domain opset: the operators it writes
/// are version 1 of ONNX Runtime's contrib domain.
/// </summary>
public sealed class Int4WeightOnlyQuantizationPass : IModelPass<QuantizationReport>
{
    /// <summary>Creates the pass; a block size other than 32, 64 or 128 is <see cref="DiagnosticCode.InvalidOption"/>.</summary>
    public Int4WeightOnlyQuantizationPass(Int4QuantizationOptions? options = null)
    {
        Options = options ?? Int4QuantizationOptions.Default;
        if (!Int4QuantizationOptions.SupportedBlockSizes.Contains(Options.BlockSize))
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, null, string.Create(CultureInfo.InvariantCulture,
                $"BlockSize {Options.BlockSize} is not supported for Int4 quantization; use {string.Join(", ", Int4QuantizationOptions.SupportedBlockSizes)}."));
        }
    }

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
}
