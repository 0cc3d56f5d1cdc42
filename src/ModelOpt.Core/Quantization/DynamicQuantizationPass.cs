using ModelOpt.Core.Graphs;
using ModelOpt.Core.Opsets;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// Dynamic quantization: int8 weights, activations quantized to uint8 at run time. MatMul and
/// Gemm with constant weights become DynamicQuantizeLinear + MatMulInteger + Cast + Mul
/// (+ Add), which ONNX Runtime's CPU graph optimizer fuses into MatMulIntegerToFloat and then
/// DynamicQuantizeMatMul; Conv becomes DynamicQuantizeLinear + ConvInteger + Cast + Mul (+ Add).
/// Only standard ONNX operators are written, so the model stays portable. Nodes that cannot
/// or may not be quantized stay in float and are listed, with the reason, in <see cref="Report"/>.
/// DynamicQuantizeLinear needs opset 11: older models are upgraded first with
/// <see cref="OpsetUpgradePass"/>.
/// </summary>
public sealed class DynamicQuantizationPass : IModelPass
{
    /// <summary>The opset DynamicQuantizeLinear appeared in (ONNX Operators.md).</summary>
    public const int MinimumOpset = 11;

    /// <summary>Creates the pass.</summary>
    public DynamicQuantizationPass(DynamicQuantizationOptions? options = null)
    {
        Options = options ?? DynamicQuantizationOptions.Default;
    }

    /// <summary>The options.</summary>
    public DynamicQuantizationOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "DynamicQuantization";

    /// <summary>What the last <see cref="Run"/> did, node by node; null before the first run.</summary>
    public QuantizationReport? Report { get; private set; }

    /// <inheritdoc/>
    public bool Run(OnnxModel model)
    {
        // Decide first, so that a model with nothing to quantize is not upgraded either. The
        // upgrade never replaces MatMul, Gemm, Conv or Constant nodes, so the decisions hold after it.
        var context = new QuantizationContext(model, Options, this);
        var decisions = new List<(Node Node, IDynamicOpQuantizer Quantizer, string Name, string? Reason)>();
        foreach (var node in model.Graph.AllNodes().ToArray())
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx") continue;
            if (DynamicQuantizers.Find(node.OpType) is not { } quantizer) continue;
            string name = GraphEdits.BaseName(node);
            decisions.Add((node, quantizer, name, Exclusion(node, name) ?? quantizer.WhyNot(context, node)));
        }

        long? before = model.GetOpsetVersion("");
        bool upgrade = decisions.Any(d => d.Reason is null) && before < MinimumOpset;
        if (upgrade)
        {
            new OpsetUpgradePass(MinimumOpset).Run(model);
            context = new QuantizationContext(model, Options, this);
        }

        var entries = new List<NodeQuantization>(decisions.Count);
        foreach (var (node, quantizer, name, reason) in decisions)
        {
            if (reason is not null)
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float, null, reason));
                continue;
            }
            var (granularity, note) = PassErrors.OnNode(this, model, node, () => quantizer.Quantize(context, node));
            entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Int8, granularity, note));
        }
        context.RemoveReplacedWeights();

        Report = new QuantizationReport(entries, upgrade ? before : null, model.GetOpsetVersion(""));
        return Report.QuantizedCount > 0;
    }

    private string? Exclusion(Node node, string name)
    {
        if (Options.ExcludeNodes.Contains(name)) return "excluded by ExcludeNodes";
        if (Options.ExcludeOpTypes.Contains(node.OpType)) return "excluded by ExcludeOpTypes";
        return null;
    }
}
