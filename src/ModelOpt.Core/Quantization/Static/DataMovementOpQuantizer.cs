using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Operators that only move or select values: MaxPool, Reshape, Flatten, Transpose, Squeeze,
/// Unsqueeze, Slice and nearest-neighbour Resize. Their output is quantized with their input's
/// scale and zero point, and only when the input is quantized anyway; ONNX Runtime then removes
/// the DequantizeLinear/QuantizeLinear pair around them and runs them on the 8-bit data
/// (DropQDQNodesRules: equal parameters required, a positive scale for MaxPool, MaxPool from
/// opset 12, which has 8-bit types). A linear or cubic Resize interpolates, which ONNX Runtime
/// does in float between the pair, so it is not one of them.
/// </summary>
internal sealed class DataMovementOpQuantizer : IStaticOpQuantizer
{
    public OutputParameters Output => OutputParameters.SameAsInput;

    public bool HasWeights => false;

    public IReadOnlyList<int> ActivationInputs(Node node) => [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
    {
        // MaxPool's optional Indices output is INT64: quantizing around a node that produces it would change nothing useful.
        if (node.Outputs.Count(o => o is not null) != 1 || node.Outputs[0] is null) return "it has more than one output";
        if (node.OpType == "Resize" && node.GetAttribute("mode") is { Kind: AttributeKind.String } mode && mode.String != "nearest")
        {
            return $"a Resize in mode '{mode.String}' interpolates, which ONNX Runtime does in float; only nearest-neighbour Resize runs on 8-bit data";
        }
        return context.ActivationProblem(node, 0);
    }

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
        => (null, null);
}
