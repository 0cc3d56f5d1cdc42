using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Distillation;

/// <summary>
/// Reads what a quantized model does to the values of its float source, so that training the
/// source can simulate it (<see cref="QuantizationSimulation"/>). The quantizers keep the float
/// model's value names: Static's <c>QuantizeLinear</c> reads the float activation itself, Dynamic's
/// <c>DynamicQuantizeLinear</c> too, and a weight <c>W</c> becomes the integer initializer
/// <c>W_quantized</c>. Values that exist only in the quantized model (SmoothQuant's scaling, for
/// example) have no float counterpart and are skipped: the simulation is then slightly less
/// faithful there, never wrong about a value that exists.
/// </summary>
public static class QuantizationSimulationReader
{
    private const string QuantizedSuffix = "_quantized";

    /// <summary>The simulation of <paramref name="quantized"/> on the values of <paramref name="source"/>.</summary>
    public static QuantizationSimulation Read(OnnxModel quantized, OnnxModel source)
    {
        var sourceValues = source.Graph.AllNodes().SelectMany(n => n.Outputs).OfType<Value>()
            .Concat(source.Graph.Inputs).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var sourceWeights = source.Graph.Initializers
            .Where(v => v.Initializer is { ElementType: ElementType.Float })
            .ToDictionary(v => v.Name, StringComparer.Ordinal);
        var activations = new SortedDictionary<string, FakeQuantization>(StringComparer.Ordinal);
        var dynamic = new SortedSet<string>(StringComparer.Ordinal);
        var weights = new SortedDictionary<string, FakeQuantization>(StringComparer.Ordinal);

        foreach (var node in quantized.Graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.Inputs.Count == 0 || node.Inputs[0] is not { } input) continue;
            if (node.OpType == "DynamicQuantizeLinear" && sourceValues.Contains(input.Name))
            {
                dynamic.Add(input.Name);
            }
            else if (node.OpType == "QuantizeLinear" && input.Initializer is null && sourceValues.Contains(input.Name)
                && Parameters(node, axis: null) is { } parameters)
            {
                activations.TryAdd(input.Name, parameters);
            }
            else if (node.OpType == "DequantizeLinear" && input.Initializer is { } stored
                && input.Name.EndsWith(QuantizedSuffix, StringComparison.Ordinal)
                && sourceWeights.ContainsKey(input.Name[..^QuantizedSuffix.Length])
                && Parameters(node, Axis(node, stored)) is { } weight)
            {
                weights.TryAdd(input.Name[..^QuantizedSuffix.Length], weight with { Min = -Magnitude(stored), Max = Magnitude(stored) });
            }
        }
        foreach (var node in quantized.Graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType is "MatMulInteger" or "ConvInteger"))
        {
            // Dynamic's weights: W_quantized feeds the integer op directly, with its scale applied after.
            if (node.Inputs.Count > 1 && node.Inputs[1] is { Initializer: { } stored } weight
                && weight.Name.EndsWith(QuantizedSuffix, StringComparison.Ordinal)
                && sourceWeights.ContainsKey(weight.Name[..^QuantizedSuffix.Length]))
            {
                int axis = node.OpType == "ConvInteger" ? 0 : stored.Dims.Count - 1;
                int channels = stored.Dims.Count == 0 ? 1 : (int)stored.Dims[axis];
                weights.TryAdd(weight.Name[..^QuantizedSuffix.Length],
                    new FakeQuantization(new float[channels], new int[channels], axis, -Magnitude(stored), Magnitude(stored)));
            }
        }
        return new QuantizationSimulation(activations, dynamic, weights);
    }

    /// <summary>The scale and zero point of a (De)QuantizeLinear whose scale is a constant, or null.</summary>
    private static FakeQuantization? Parameters(Node node, int? axis)
    {
        if (node.Inputs.Count < 2 || node.Inputs[1]?.Initializer is not { ElementType: ElementType.Float } scale) return null;
        var scales = scale.ToFloatArray();
        var zeroPointTensor = node.Inputs.Count > 2 ? node.Inputs[2]?.Initializer : null;
        var type = zeroPointTensor?.ElementType ?? ElementType.UInt8;
        var zeroPoints = zeroPointTensor is null ? new int[scales.Length] : Integers(zeroPointTensor);
        if (zeroPoints.Length != scales.Length) return null;
        (int min, int max) = type == ElementType.Int8 ? (-128, 127) : (0, 255);
        return new FakeQuantization(scales, zeroPoints, scales.Length > 1 ? axis : null, min, max);
    }

    private static int? Axis(Node node, Tensor stored)
    {
        int rank = stored.Dims.Count;
        var attribute = node.GetAttribute("axis");
        long axis = attribute?.Int ?? 1;
        return rank == 0 ? null : (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>The largest magnitude the stored integers use: 127 for int8, 63 with ReduceWeightRange's 7 bits.</summary>
    private static int Magnitude(Tensor stored)
    {
        int largest = Integers(stored).Select(Math.Abs).DefaultIfEmpty(0).Max();
        return largest <= 63 && stored.ElementType == ElementType.Int8 && largest > 0 ? 63 : 127;
    }

    private static int[] Integers(Tensor tensor)
    {
        var bytes = tensor.GetRawData().Span;
        return tensor.ElementType switch
        {
            ElementType.Int8 => [.. bytes.ToArray().Select(b => (int)(sbyte)b)],
            ElementType.UInt8 => [.. bytes.ToArray().Select(b => (int)b)],
            _ => [],
        };
    }
}
