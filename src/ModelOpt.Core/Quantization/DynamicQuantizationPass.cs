using ModelOpt.Core.Graphs;
using ModelOpt.Core.Opsets;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// Dynamic quantization: int8 weights, activations quantized to uint8 at run time. MatMul and
/// Gemm with constant weights become DynamicQuantizeLinear + MatMulInteger + Cast + Mul
/// (+ Add), which ONNX Runtime's CPU graph optimizer fuses into MatMulIntegerToFloat and then
/// DynamicQuantizeMatMul; Conv becomes DynamicQuantizeLinear + ConvInteger + Cast + Mul (+ Add);
/// an embedding lookup (Gather from a constant table) reads an int8 table and dequantizes only
/// the rows it gathers; an LSTM becomes ONNX Runtime's DynamicQuantizeLSTM (ONNX has no integer
/// LSTM, so this is the one contrib operator the pass writes; see <see cref="RecurrentQuantizer"/>).
/// Everything else is standard ONNX. Nodes that cannot
/// or may not be quantized stay in float and are listed, with the reason, in the report.
/// DynamicQuantizeLinear needs opset 11: a model with something to quantize needs
/// <see cref="MinimumOpset"/> (<see cref="RequiredOpset"/>), which <see cref="PassPipeline"/>
/// meets with <see cref="OpsetUpgradePass"/> before the pass runs.
/// </summary>
public sealed class DynamicQuantizationPass : IModelPass<QuantizationReport>
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

    /// <summary><see cref="MinimumOpset"/> when a node will be quantized; null when none will, so such a model is not upgraded.</summary>
    public long? RequiredOpset(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Decide(model, new QuantizationContext(model, Options, this)).Any(d => d.Reason is null) ? MinimumOpset : null;
    }

    /// <inheritdoc/>
    public PassResult<QuantizationReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Decide for every node before changing any, so the reasons describe the model as given.
        var context = new QuantizationContext(model, Options, this);
        var decisions = Decide(model, context);
        if (decisions.Any(d => d.Reason is null)) PassErrors.RequireOpset(this, model, MinimumOpset, "DynamicQuantizeLinear");

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
        context.RemoveReplacedConstants();
        if (entries.Any(e => e.OpType == "LSTM" && e.Precision == NodePrecision.Int8)) ContribOperators.Import(model);

        var report = new QuantizationReport(entries, model.GetOpsetVersion(""));
        return PassResult.Create(this, report.QuantizedCount > 0, report);
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>Every node with a quantizer, in graph order, with the reason it stays in float (null: it is quantized). Changes nothing.</summary>
    private List<(Node Node, IDynamicOpQuantizer Quantizer, string Name, string? Reason)> Decide(OnnxModel model, QuantizationContext context)
    {
        var decisions = new List<(Node, IDynamicOpQuantizer, string, string?)>();
        foreach (var node in model.Graph.AllNodes().ToArray())
        {
            if (DynamicQuantizers.Registry.Find(model, node) is not { } quantizer || !quantizer.IsCandidate(context, node)) continue;
            decisions.Add((node, quantizer, NodeFilter.IdentityOf(node), Options.Exclusions.Exclusion(node) ?? quantizer.WhyNot(context, node)));
        }
        return decisions;
    }
}
