using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>Small runnable models built through the IR, with weights in every place ONNX allows.</summary>
internal static class SampleModels
{
    public const int Batch = 2;
    public const int InFeatures = 256;
    public const int OutFeatures = 64;

    /// <summary>
    /// <c>Y = (X·W + B) * C</c>: W (64 KiB, page-aligned when external) and B are initializers,
    /// C (256 bytes) is held by a <c>Constant</c> node, so external data covers both kinds.
    /// </summary>
    public static OnnxModel Dense()
    {
        var graph = new Graph("dense");
        var x = new Value("X", ProtoModels.TensorType(ElementType.Float, Batch, InFeatures));
        graph.Inputs.Add(x);
        var w = graph.AddInitializer("W", Tensor.FromFloats("W", [InFeatures, OutFeatures], Ramp(InFeatures * OutFeatures, 0.001f)));
        var b = graph.AddInitializer("B", Tensor.FromFloats("B", [OutFeatures], Ramp(OutFeatures, 0.5f)));

        var constant = new Node("Constant", [], ["C"], name: "scale");
        constant.Attributes.Add(NodeAttribute.FromTensor("value", Tensor.FromFloats("C", [OutFeatures], Ramp(OutFeatures, -0.25f))));
        var matMul = new Node("MatMul", [x, w], ["XW"], name: "matmul");
        var add = new Node("Add", [matMul.Outputs[0], b], ["XWB"], name: "add");
        var mul = new Node("Mul", [add.Outputs[0], constant.Outputs[0]], ["Y"], name: "mul");
        graph.AddNode(constant);
        graph.AddNode(matMul);
        graph.AddNode(add);
        graph.AddNode(mul);

        var y = mul.Outputs[0]!;
        y.Type = ProtoModels.TensorType(ElementType.Float, Batch, OutFeatures);
        graph.Outputs.Add(y);
        return new OnnxModel(graph, opsetVersion: 17);
    }

    /// <summary>An input for <see cref="Dense"/>.</summary>
    public static float[] DenseInput() => Ramp(Batch * InFeatures, 0.01f);

    /// <summary>Deterministic, non-trivial values: a saw-tooth scaled by <paramref name="scale"/>.</summary>
    public static float[] Ramp(int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = ((i * 7) % 23 - 11) * scale;
        return values;
    }
}
