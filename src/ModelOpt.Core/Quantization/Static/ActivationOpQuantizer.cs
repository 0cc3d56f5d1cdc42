using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Operators without weights that ONNX Runtime runs on quantized data when every activation
/// input comes through DequantizeLinear and the output goes to QuantizeLinear, with parameters of
/// their own: Add (BinaryOpQDQRules → QLinearAdd), AveragePool and GlobalAveragePool
/// (UnaryOpQDQRules → QLinearAveragePool, QLinearGlobalAveragePool), Concat (VariadicOpQDQRules →
/// QLinearConcat). All in onnxruntime/core/optimizer/qdq_transformer/selectors_actions/qdq_selector_action_transformer.cc.
/// </summary>
internal sealed class ActivationOpQuantizer : IStaticOpQuantizer
{
    private readonly bool _allInputs;

    /// <param name="allInputs">Every input is an activation (Add, Concat), or only the first (the pools).</param>
    public ActivationOpQuantizer(bool allInputs)
    {
        _allInputs = allInputs;
    }

    public OutputParameters Output => OutputParameters.Calibrated;

    public bool HasWeights => false;

    public IReadOnlyList<int> ActivationInputs(Node node)
        => _allInputs ? [.. Enumerable.Range(0, node.Inputs.Count)] : [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
    {
        if (node.Inputs.Count == 0 || node.Outputs.Count != 1 || node.Outputs[0] is null) return "it does not have the usual inputs and one output";
        foreach (int i in ActivationInputs(node))
        {
            if (context.ActivationProblem(node, i) is { } problem) return problem;
        }
        return null;
    }

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
        => (null, null);
}
