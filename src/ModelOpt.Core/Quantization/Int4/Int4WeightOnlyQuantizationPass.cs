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
/// reason, in <see cref="Report"/>.
/// </summary>
public sealed class Int4WeightOnlyQuantizationPass : IModelPass
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

    /// <summary>What the last <see cref="Run"/> did, node by node; null before the first run.</summary>
    public QuantizationReport? Report { get; private set; }

    /// <inheritdoc/>
    public bool Run(OnnxModel model)
    {
        // Decide for every node before changing any, so the reasons describe the model as given.
        var context = new Int4QuantizationContext(model, Options, this);
        var decisions = new List<(Node Node, IInt4OpQuantizer Quantizer, string Name, string? Reason)>();
        foreach (var node in model.Graph.AllNodes().ToArray())
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx") continue;
            if (Int4Quantizers.Find(node.OpType) is not { } quantizer || !quantizer.IsCandidate(context, node)) continue;
            string name = GraphEdits.BaseName(node);
            decisions.Add((node, quantizer, name, Exclusion(node, name) ?? quantizer.WhyNot(context, node)));
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
        context.RemoveReplacedWeights();

        Report = new QuantizationReport(entries, null, model.GetOpsetVersion(""));
        if (Report.QuantizedCount == 0) return false;
        // Both operators are version 1 of ONNX Runtime's contrib domain; an existing import of it stays as it is.
        if (model.GetOpsetVersion(Int4QuantizationContext.MicrosoftDomain) is null)
        {
            model.SetOpsetVersion(Int4QuantizationContext.MicrosoftDomain, 1);
        }
        return true;
    }

    private string? Exclusion(Node node, string name)
    {
        if (Options.ExcludeNodes.Contains(name)) return "excluded by ExcludeNodes";
        if (Options.ExcludeOpTypes.Contains(node.OpType)) return "excluded by ExcludeOpTypes";
        return null;
    }
}
