using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Static;

/// <summary>Small float models built in code for the static quantization tests, and calibration data for them.</summary>
internal static class StaticTestModels
{
    public const int Channels = 3;
    public const int Side = 12;

    /// <summary>
    /// Conv → Relu → MaxPool → Conv(+bias) → Add(skip from the MaxPool) → Relu → GlobalAveragePool
    /// → Flatten → Gemm(+C): the node kinds of a ResNet, small.
    /// </summary>
    public static OnnxModel SmallCnn(long opset = 13, int seed = 1, int side = Side)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, side, side);
        var conv1 = b.Op("Conv", [x, b.Weight("W1", [8, Channels, 3, 3], Numbers.Uniform(8 * Channels * 9, seed)),
            b.Weight("B1", [8], Numbers.Uniform(8, seed + 1, -0.1f, 0.1f))], "conv1",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        var relu1 = b.Op("Relu", [conv1], "relu1");
        var pool = b.Op("MaxPool", [relu1], "pool", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        var conv2 = b.Op("Conv", [pool, b.Weight("W2", [8, 8, 3, 3], Numbers.Uniform(8 * 8 * 9, seed + 2, -0.3f, 0.3f)),
            b.Weight("B2", [8], Numbers.Uniform(8, seed + 3, -0.1f, 0.1f))], "conv2", NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        var add = b.Op("Add", [conv2, pool], "add");
        var relu2 = b.Op("Relu", [add], "relu2");
        var gap = b.Op("GlobalAveragePool", [relu2], "gap");
        var flat = b.Op("Flatten", [gap], "flat");
        var y = b.Op("Gemm", [flat, b.Weight("W3", [5, 8], Numbers.Uniform(40, seed + 4)), b.Weight("C3", [5], Numbers.Uniform(5, seed + 5, -0.1f, 0.1f))],
            "Y", NodeAttribute.FromInt("transB", 1));
        return b.Output(y).Build(opset);
    }

    /// <summary>Image-like inputs for <see cref="SmallCnn"/>: smooth patterns plus a little noise, different per index.</summary>
    public static float[] Input(int index, int side = Side)
    {
        var random = new Random(1000 + index);
        var data = new float[Channels * side * side];
        for (int c = 0; c < Channels; c++)
        {
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    double v = Math.Sin(0.4 * x + index + c) * Math.Cos(0.3 * y - 0.5 * index) + 0.1 * (random.NextDouble() - 0.5);
                    data[(c * side + y) * side + x] = (float)v;
                }
            }
        }
        return data;
    }

    public static long[] InputShape => Shape(Side);

    public static long[] Shape(int side) => [1, Channels, side, side];

    public static FloatInput AsInput(int index) => new("X", Input(index), InputShape);

    /// <summary><paramref name="count"/> samples of <see cref="Input"/>, produced one at a time.</summary>
    public static SampleSet Calibration(int count, int first = 0, int side = Side)
        => SampleSet.FromSamples(Samples(count, first, side));

    public static IEnumerable<Sample> Samples(int count, int first = 0, int side = Side)
        => Enumerable.Range(first, count).Select(i => new Sample($"sample{i}", [SampleTensor.FromFloats(null, Shape(side), Input(i, side))]));
}
