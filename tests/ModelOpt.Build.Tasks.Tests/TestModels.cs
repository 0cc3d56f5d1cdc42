using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Small models for the consumer projects, written through our IR. The backend suite's node
/// models keep their weights as graph inputs, so quantization could not shrink them; these keep
/// them as initializers, which is where the bytes of a real model are.
/// </summary>
internal static class TestModels
{
    public const int Features = 128;
    public const int Hidden = 128;
    public const int Classes = 32;

    /// <summary>
    /// <c>Y = Relu(X·W1 + B1)·W2 + B2</c> with X: [1, 128]; about 80 KB of float weights.
    /// <paramref name="seed"/> makes models with the same shape but different bytes, so a test
    /// can tell which source model a built resource came from.
    /// </summary>
    public static byte[] Dense(int seed) => Dense(seed, outlier: 0);

    /// <summary>
    /// <see cref="Dense(int)"/> with a layer int4 cannot take (<paramref name="outlier"/> 0: none):
    /// hidden units 0, 32, 64 and 96 are dead (bias −100 before the ReLU) and their rows of W2 are
    /// <paramref name="outlier"/>. The float model ignores them, but blockwise int4 (blocks of 32
    /// along W2's rows) spends every block's 16 levels on them and rounds the live weights to zero.
    /// </summary>
    public static byte[] Dense(int seed, float outlier)
    {
        var graph = new Graph("dense");
        var x = new Value("X", TensorType(1, Features));
        graph.Inputs.Add(x);
        var w1 = graph.AddInitializer("W1", Tensor.FromFloats("W1", [Features, Hidden], Weights(Features * Hidden, seed, 1f / MathF.Sqrt(Features))));
        var b1Values = Weights(Hidden, seed + 1, 0.1f);
        var w2Values = Weights(Hidden * Classes, seed + 2, 1f / MathF.Sqrt(Hidden));
        if (outlier != 0)
        {
            for (int unit = 0; unit < Hidden; unit += 32)
            {
                b1Values[unit] = -100;
                Array.Fill(w2Values, outlier, unit * Classes, Classes);
            }
        }
        var b1 = graph.AddInitializer("B1", Tensor.FromFloats("B1", [Hidden], b1Values));
        var w2 = graph.AddInitializer("W2", Tensor.FromFloats("W2", [Hidden, Classes], w2Values));
        var b2 = graph.AddInitializer("B2", Tensor.FromFloats("B2", [Classes], Weights(Classes, seed + 3, 0.1f)));

        var matMul1 = new Node("MatMul", [x, w1], ["H0"], name: "fc1");
        var add1 = new Node("Add", [matMul1.Outputs[0], b1], ["H1"], name: "fc1_bias");
        var relu = new Node("Relu", [add1.Outputs[0]], ["H2"], name: "relu");
        var matMul2 = new Node("MatMul", [relu.Outputs[0], w2], ["Y0"], name: "fc2");
        var add2 = new Node("Add", [matMul2.Outputs[0], b2], ["Y"], name: "fc2_bias");
        foreach (var node in new[] { matMul1, add1, relu, matMul2, add2 }) graph.AddNode(node);
        var y = add2.Outputs[0]!;
        y.Type = TensorType(1, Classes);
        graph.Outputs.Add(y);

        using var model = new OnnxModel(graph, opsetVersion: 17);
        return OnnxModelWriter.ToBytes(model);
    }

    /// <summary>Bytes that are not an ONNX protobuf message (a wire type no field of ModelProto has).</summary>
    public static byte[] Corrupt() => [0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x42, 0x42];

    private static TypeProto TensorType(params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = shape } };
    }

    // Fixed-seed uniform values in [-scale, scale): every run writes the same model bytes.
    private static float[] Weights(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
