using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// The checks every quantization pass makes on a weight input before it touches it: is it a
/// constant FLOAT tensor of a usable rank, and are its values finite. One copy, so the int8 and
/// the int4 passes give the same reasons and the same error for the same weight.
/// </summary>
internal static class QuantizableWeights
{
    /// <summary>Why input <paramref name="index"/> of <paramref name="node"/> is not a usable FLOAT weight of the given rank; null when it is.</summary>
    public static string? Problem(OnnxModel model, Node node, int index, int minRank, int maxRank)
    {
        // Every rewrite hands the node's output to its last new node; a node without one (a
        // malformed model the coverage-guided fuzzer built) has nothing to rewrite.
        if (node.Outputs.Count == 0 || node.Outputs[0] is null) return "it has no output";
        var value = index < node.Inputs.Count ? node.Inputs[index] : null;
        if (value is null) return "it has no weight input";
        var tensor = ConstantValues.TryGetTensor(model, value);
        if (tensor is null)
        {
            return value.Initializer is not null
                ? $"its weight '{value.Name}' is also a graph input, so callers may replace it at run time"
                : $"its weight input '{value.Name}' is computed at run time (not an initializer or Constant)";
        }
        if (tensor.ElementType != ElementType.Float)
        {
            return $"its weight '{value.Name}' is {ElementTypes.OnnxName(tensor.ElementType)}; only FLOAT weights are quantized";
        }
        if (tensor.Dims.Count < minRank || tensor.Dims.Count > maxRank)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its weight '{value.Name}' has rank {tensor.Dims.Count}; rank {minRank}{(maxRank == minRank ? "" : "+")} is quantized");
        }
        if (tensor.ElementCount == 0) return $"its weight '{value.Name}' is empty";
        return null;
    }

    /// <summary>
    /// The values of weight input <paramref name="index"/> (which <see cref="Problem"/> accepted)
    /// as floats. NaN or infinity is <see cref="DiagnosticCode.NonFiniteWeights"/> naming the
    /// pass, the node and the tensor: no scale represents them, and clamping would silently
    /// change the model.
    /// </summary>
    public static float[] ReadFinite(IModelPass pass, OnnxModel model, Node node, int index)
    {
        var value = node.Inputs[index]!;
        var tensor = ConstantValues.TryGetTensor(model, value)!;
        var values = tensor.ToFloatArray();
        int bad = WeightQuantizer.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw PassErrors.AtNode(pass, model, node, DiagnosticCode.NonFiniteWeights,
                string.Create(CultureInfo.InvariantCulture,
                    $"weight '{value.Name}' holds {values[bad]} at element {bad}; a tensor with NaN or infinity has no quantization scale. Fix the model, or keep the node in float with ExcludeNodes."));
        }
        return values;
    }
}
