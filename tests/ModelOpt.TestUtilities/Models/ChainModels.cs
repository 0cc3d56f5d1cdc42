using System.Globalization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.TestUtilities;

/// <summary>The shapes of graph that <see cref="ChainModels"/> builds.</summary>
public enum ChainShape
{
    /// <summary><c>x → Relu → Relu → … → y</c>: one node per link, nothing for a quantizer to do.</summary>
    Relu,

    /// <summary><c>x → MatMul(W) → Add(b) → MatMul(W) → …</c>: two nodes per link, each MatMul a weight the passes quantize.</summary>
    MatMulAdd,
}

/// <summary>
/// Long, thin graphs for scaling benchmarks and deep-graph tests: a graph of any number of nodes
/// in one straight line, the worst case for anything that walks producers recursively and the
/// plainest case for anything that should be linear in the node count. Deterministic: same
/// arguments, same bytes.
/// </summary>
public static class ChainModels
{
    /// <summary>The graph input's name.</summary>
    public const string InputName = "x";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "y";

    /// <summary>Features per row of the MatMul chain: small, so a long chain stays small on disk.</summary>
    public const int Width = 4;

    /// <summary>
    /// A chain of <paramref name="nodeCount"/> nodes of <paramref name="shape"/> (a MatMul+Add
    /// chain rounds up to whole links) over a FLOAT input <c>[1, 4]</c>.
    /// </summary>
    public static OnnxModel Build(ChainShape shape, int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        var builder = new GraphBuilder("chain");
        var x = builder.Input(InputName, 1, Width);
        var last = shape switch
        {
            ChainShape.Relu => ReluLinks(builder, x, nodeCount),
            ChainShape.MatMulAdd => MatMulAddLinks(builder, x, (nodeCount + 1) / 2),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
        };
        // The last node writes the output under its public name.
        last.Name = OutputName;
        builder.Output(last);
        last.Type = GraphBuilder.TensorType(ElementType.Float, 1, Width);
        return builder.Build(opset: 17);
    }

    private static Value ReluLinks(GraphBuilder builder, Value x, int count)
    {
        var current = x;
        for (int i = 0; i < count; i++) current = builder.Op("Relu", [current], Name("relu", i));
        return current;
    }

    // Weights near the identity keep the values finite however long the chain is.
    private static Value MatMulAddLinks(GraphBuilder builder, Value x, int links)
    {
        var current = x;
        for (int i = 0; i < links; i++)
        {
            var weights = new float[Width * Width];
            for (int row = 0; row < Width; row++)
            {
                for (int column = 0; column < Width; column++)
                {
                    weights[row * Width + column] = row == column ? 0.9f : 0.01f * ((row + column + i) % 7 - 3);
                }
            }
            var bias = new float[Width];
            for (int column = 0; column < Width; column++) bias[column] = 0.001f * ((column + i) % 5 - 2);
            var w = builder.Weight(Name("w", i), [Width, Width], weights);
            var b = builder.Weight(Name("b", i), [Width], bias);
            current = builder.Op("MatMul", [current, w], Name("matmul", i));
            current = builder.Op("Add", [current, b], Name("add", i));
        }
        return current;
    }

    private static string Name(string prefix, int index) => prefix + index.ToString(CultureInfo.InvariantCulture);
}
