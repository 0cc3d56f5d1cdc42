using System.Globalization;
using System.Runtime.InteropServices;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// The state one run of <see cref="Int4WeightOnlyQuantizationPass"/> shares between operator
/// quantizers, beyond what every quantization run shares: quantized weights, one copy per weight
/// and layout even when several nodes read it.
/// </summary>
internal sealed class Int4QuantizationContext(OnnxModel model, Int4QuantizationOptions options, IModelPass pass)
    : QuantizationRewriteContext<Int4QuantizationOptions>(model, options, pass)
{
    /// <summary>ONNX Runtime's contrib operator domain, where MatMulNBits and GatherBlockQuantized live.</summary>

    private readonly Dictionary<(Graph Graph, Value Weight, string Operator), Int4Weight> _weights = [];

    private readonly Dictionary<Node, Static.Rounding.InputGram> _inputGrams = [];

    /// <summary>Records the Gram matrix of what <paramref name="node"/>'s weight multiplies, for error-compensated rounding.</summary>
    public void SetInputGram(Node node, Static.Rounding.InputGram gram) => _inputGrams[node] = gram;

    /// <summary>Why input <paramref name="index"/> is not a constant FLOAT matrix; null when it is.</summary>
    public string? WeightProblem(Node node, int index) => WeightProblem(node, index, minRank: 2, maxRank: 2);

    /// <summary>The dimensions of the constant matrix at input <paramref name="index"/> (which <see cref="WeightProblem(Node, int)"/> accepted).</summary>
    public (long Rows, long Columns) WeightDims(Node node, int index)
    {
        var dims = ConstantValues.TryGetTensor(Model, node.Inputs[index]!)!.Dims;
        return (dims[0], dims[1]);
    }

    /// <summary>
    /// Why the 4-bit form is not worth writing: a matrix too large for one array, or one so small
    /// that codes plus scales take as many bytes as the FLOAT weight. Null when it is worth it.
    /// </summary>
    public string? SizeProblem(Node node, int index, long rows, long columns, Func<Int4Layout> layout)
    {
        var name = node.Inputs[index]!.Name;
        if (rows * columns > Array.MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its weight '{name}' has {rows * columns} elements, more than one array holds");
        }
        long floatBytes = rows * columns * sizeof(float);
        long int4Bytes = layout().ByteCount(Options.Symmetric);
        return int4Bytes < floatBytes
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"its weight '{name}' is so small that the 4-bit form ({int4Bytes} bytes with scales) is not smaller than FLOAT ({floatBytes} bytes)");
    }

    /// <summary>
    /// Adds the 4-bit form of weight input <paramref name="index"/> of <paramref name="node"/> as
    /// initializers of the node's graph, once per (weight, layout), and marks the float weight for
    /// removal once nothing reads it. The codes are error-compensated when calibration measured the
    /// node's input Gram matrix (<see cref="SetInputGram"/>), rounded to nearest otherwise.
    /// </summary>
    public Int4Weight AddQuantizedWeight(Node node, int index, Int4Layout layout)
    {
        var source = node.Inputs[index]!;
        var graph = node.Graph!;
        var key = (graph, source, layout.Operator);
        if (_weights.TryGetValue(key, out var existing)) return existing;

        var values = ReadWeight(node, index);
        var blocks = Int4BlockQuantizer.Quantize(values, layout, Options.Symmetric);
        if (_inputGrams.TryGetValue(node, out var gram)) blocks = Int4ErrorCompensation.Round(values, blocks, layout, gram) ?? blocks;
        var data = AddInitializer(graph, source.Name + "_q4",
            name => Tensor.FromRawData(name, ElementType.UInt8, layout.DataDims, blocks.Data));
        var scales = AddInitializer(graph, source.Name + "_scales",
            name => Tensor.FromRawData(name, ElementType.Float, layout.ScaleDims, MemoryMarshal.AsBytes(blocks.Scales.AsSpan()).ToArray()));
        var zeroPoints = blocks.ZeroPoints is null
            ? null
            : AddInitializer(graph, source.Name + "_zero_points",
                name => Tensor.FromRawData(name, ElementType.UInt8, layout.ZeroPointDims, blocks.ZeroPoints));
        var result = new Int4Weight(data, scales, zeroPoints);
        _weights.Add(key, result);
        RemoveLaterIfUnused(source);
        return result;
    }
}
