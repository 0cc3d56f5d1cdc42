using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>Reads a constant bias for int32 quantization, with the same NaN/infinity rule as weights.</summary>
internal static class StaticBias
{
    public static float[] Read(StaticQuantizationContext context, Node node, int index)
    {
        var value = node.Inputs[index]!;
        var values = ConstantValues.TryGetTensor(context.Model, value)!.ToFloatArray();
        int bad = WeightQuantizer.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw PassErrors.AtNode(context.Pass, context.Model, node, DiagnosticCode.NonFiniteWeights,
                string.Create(CultureInfo.InvariantCulture,
                    $"bias '{value.Name}' holds {values[bad]} at element {bad}; no int32 bias represents it. Fix the model, or keep the node in float with ExcludeNodes."));
        }
        return values;
    }
}
