using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>Constants wherever they are stored, values float16 cannot hold, and attributes that name types.</summary>
public sealed class Float16ConstantTests
{
    [Fact]
    public void ConstantNodesOfEveryFormBecomeFloat16Tensors()
    {
        var b = new GraphBuilder();
        var scale = ConstantNode(b, "scale", NodeAttribute.FromFloat("value_float", 0.5f));
        var shift = ConstantNode(b, "shift", NodeAttribute.FromFloats("value_floats", [1f, -2f, 3f, -4f]));
        var tensor = ConstantNode(b, "bias", NodeAttribute.FromTensor("value", Tensor.FromFloats("bias", [4], [0.25f, 0.5f, 0.75f, 1f])));
        var scaled = b.Op("Mul", [b.Input("X", 2, 4), scale], "scaled");
        var model = b.Output(b.Op("Add", [b.Op("Add", [scaled, shift], "shifted"), tensor], "Y")).Build(opset: 13);
        var input = new FloatInput("X", Numbers.Uniform(8, seed: 190), [2, 4]);
        var expected = OrtRunner.Run(model, input);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        var constants = model.Graph.Nodes.Where(n => n.OpType == "Constant").ToArray();
        Assert.Equal(3, constants.Length);
        Assert.All(constants, c => Assert.Equal("value", Assert.Single(c.Attributes).Name));
        Assert.Equal([0.5f], Float16Graphs.Halves(constants[0].Attributes[0].Tensor!));
        Assert.Equal([1f, -2f, 3f, -4f], Float16Graphs.Halves(constants[1].Attributes[0].Tensor!));
        Assert.Equal([4L], constants[1].Attributes[0].Tensor!.Dims);
        Assert.Equal([0.25f, 0.5f, 0.75f, 1f], Float16Graphs.Halves(constants[2].Attributes[0].Tensor!));
        Assert.Equal(3, result.Report.Summary.ConvertedTensors);
        Assert.Equal(["scale_const", "shift_const", "bias_const"], result.Report.Nodes.Where(n => n.OpType == "Constant").Select(n => n.NodeName));
        var actual = OrtRunner.Run(model, input);
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void AConstantNodeReadInBothPrecisionsGetsAFloat16Twin()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4);
        var c = ConstantNode(b, "c", NodeAttribute.FromFloats("value_floats", [1f, 2f, 3f, 4f]));
        var model = b.Output(b.Op("Add", [x, c], "sum")).Output(b.Op("Sub", [x, c], "difference")).Build(opset: 13);

        Assert.True(new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForNodes("difference") }).Run(model).Modified);

        var constants = model.Graph.Nodes.Where(n => n.OpType == "Constant").ToArray();
        Assert.Equal(["c_const", "c_const_float16"], constants.Select(n => n.Name));
        Assert.Equal("value_floats", constants[0].Attributes.Single().Name);
        Assert.Equal(ElementType.Float16, constants[1].GetAttribute("value")!.Tensor!.ElementType);
        Assert.Same(constants[1].Outputs[0], Float16Graphs.Node(model, "sum").Inputs[1]);
        Assert.Same(constants[0].Outputs[0], Float16Graphs.Node(model, "difference").Inputs[1]);
        Assert.Equal(2, OrtRunner.Run(model, new FloatInput("X", Numbers.Uniform(8, seed: 191), [2, 4])).Length);
    }

    [Fact]
    public void AConstantBeyondFloat16KeepsItsReaderInFloat()
    {
        var b = new GraphBuilder();
        var scaled = b.Op("Mul", [b.Input("X", 4), b.Weight("W", [4], [1e6f, 0.5f, 2f, -7e4f])], "scaled");
        // 2⁻²⁵ ≈ 2.98e-8 is half the smallest float16 subnormal: below it IEEE rounding gives zero.
        var model = b.Output(b.Op("Add", [scaled, b.Weight("B", [4], [1e-9f, 3e-8f, -1e-10f, 1f])], "Y")).Build(opset: 13);
        var input = new FloatInput("X", [1, 2, 3, 4], [4]);
        var expected = OrtRunner.Run(model, input);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal([1e6f, 0.5f, 2f, -7e4f], model.Graph.Initializers.Single(v => v.Name == "W").Initializer!.ToFloatArray());
        var bias = Float16Graphs.Halves(model.Graph.Initializers.Single(v => v.Name == "B").Initializer!);
        Assert.Equal([0f, (float)Half.Epsilon, -0f, 1f], bias);
        Assert.True(float.IsNegative(bias[2]));
        Assert.Equal(
        [
            new NodeQuantization("scaled", "Mul", NodePrecision.Float, null, "its constant input 'W' holds 2 value(s) beyond ±65504, float16's largest finite value"),
            new NodeQuantization("Y", "Add", NodePrecision.Float16, null, "'B': 2 value(s) below the float16 range flushed to zero"),
        ], result.Report.Nodes);
        Assert.Equal(new Float16Rounding(0, 2), result.Report.Summary.Rounding);
        // The product keeps its FLOAT value: 1e6 and -2.8e5 come out, not ±65504.
        var actual = OrtRunner.Run(model, input);
        for (int i = 0; i < 4; i++) Assert.Equal(expected[0][i], actual[0][i], Math.Abs(expected[0][i]) * 1e-3);
    }

    [Fact]
    public void WhereTheInterfaceForcesFloat16ValuesBeyondItAreClampedAndCounted()
    {
        // An initializer that is also an input is the caller's to replace: with KeepIoTypes off it becomes FLOAT16 data.
        float[] weights = [1e6f, -7e4f, 1e-9f, 0.5f, 3e-8f, -1e-10f, float.NegativeInfinity, 65519f];
        var b = new GraphBuilder();
        var w = b.Input("W", 8);
        b.Graph.Initializers.Add(w);
        w.Initializer = Tensor.FromFloats("W", [8], weights);
        var model = b.Output(b.Op("Mul", [b.Input("X", 8), w], "Y")).Build(opset: 13);
        var pass = new Float16ConversionPass(new Float16ConversionOptions { KeepIoTypes = false });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        var stored = Float16Graphs.Halves(w.Initializer!);
        Assert.Equal([65504f, -65504f, 0f, 0.5f, (float)Half.Epsilon, -0f, float.NegativeInfinity, 65504f], stored);
        Assert.Equal(ElementType.Float16, w.ElementType);
        Assert.Equal(new Float16Rounding(3, 2), result.Report.Summary.Rounding);
        Assert.Equal("'W': 3 value(s) beyond ±65504 clamped, 2 value(s) below the float16 range flushed to zero", result.Report.Nodes.Single().Reason);
        var actual = Float16Graphs.RunHalf(model, "X", [1, 1, 1, 1, 1, 1, 1, 1], [8]);
        Assert.Equal(stored, actual[0]);
    }

    [Fact]
    public void AttributesThatNameTypesFollowTheNode()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3);
        var zeros = b.Op("ConstantOfShape", [b.Input("S", ElementType.Int64, 2)], "zeros");
        var ones = b.Op("ConstantOfShape", [b.Input("S2", ElementType.Int64, 2)], "ones",
            NodeAttribute.FromTensor("value", Tensor.FromFloats("value", [1], [1f])));
        var counts = b.Op("Cast", [b.Input("N", ElementType.Int32, 2, 3)], "counts", NodeAttribute.FromInt("to", (long)ElementType.Float));
        // A tiny scale (zero aborts ONNX Runtime) and an empty range make the random operators deterministic.
        var normal = b.Op("RandomNormal", [], "normal", NodeAttribute.FromFloat("scale", 1e-20f), NodeAttribute.FromFloat("seed", 1f), NodeAttribute.FromInts("shape", [2, 3]));
        var uniform = b.Op("RandomUniformLike", [x], "uniform", NodeAttribute.FromFloat("low", 0f), NodeAttribute.FromFloat("high", 0f));
        var normalLike = b.Op("RandomNormalLike", [x], "normal_like", NodeAttribute.FromFloat("scale", 1e-20f), NodeAttribute.FromFloat("seed", 2f));
        var eye = b.Op("EyeLike", [x], "eye", NodeAttribute.FromInt("dtype", (long)ElementType.Float));
        var coin = b.Op("Bernoulli", [zeros], "coin");
        var sum = x;
        foreach (var term in new[] { zeros, ones, counts, normal, uniform, normalLike, eye, coin }) sum = b.Op("Add", [sum, term], "plus_" + term.Name);
        var model = b.Output(sum).Build(opset: 15);
        var expected = Run(model);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(ElementType.Float16, Float16Graphs.Node(model, "zeros").GetAttribute("value")!.Tensor!.ElementType);
        Assert.Equal([1f], Float16Graphs.Halves(Float16Graphs.Node(model, "ones").GetAttribute("value")!.Tensor!));
        Assert.Equal((long)ElementType.Float16, Float16Graphs.Node(model, "counts").GetAttribute("to")!.Int);
        // RandomNormal and EyeLike have no FLOAT16 kernel on ONNX Runtime's CPU provider: they stay FLOAT, their outputs are narrowed.
        Assert.Null(Float16Graphs.Node(model, "normal").GetAttribute("dtype"));
        Assert.Equal((long)ElementType.Float, Float16Graphs.Node(model, "eye").GetAttribute("dtype")!.Int);
        Assert.Equal(["normal", "eye"], result.Report.FloatNodes.Select(n => n.NodeName));
        // RandomUniformLike, RandomNormalLike and Bernoulli take their type from their FLOAT16 input.
        Assert.Null(Float16Graphs.Node(model, "uniform").GetAttribute("dtype"));
        Assert.Equal(NodePrecision.Float16, result.Report.Nodes.Single(n => n.NodeName == "normal_like").Precision);
        Float16Graphs.AssertCleanCasts(model);

        Assert.Equal(expected, Run(model));
    }

    private static float[] Run(OnnxModel model)
    {
        long[] shape = [2, 3];
        return Assert.Single(Float16Graphs.Run(model,
            ("X", OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4, 5, 6 }, shape)),
            ("S", OrtValue.CreateTensorValueFromMemory(shape.ToArray(), [2])),
            ("S2", OrtValue.CreateTensorValueFromMemory(shape.ToArray(), [2])),
            ("N", OrtValue.CreateTensorValueFromMemory(new[] { 1, 1, 1, 1, 1, 1 }, shape))));
    }

    [Fact]
    public void ResizeScalesStayFloat()
    {
        var b = new GraphBuilder();
        var roi = b.Weight("roi", [0], []);
        var scales = b.Weight("scales", [4], [1f, 1f, 2f, 2f]);
        var resized = b.Op("Resize", [b.Input("X", 1, 1, 2, 2), roi, scales], "resized", NodeAttribute.FromString("mode", "linear"));
        var model = b.Output(b.Op("Relu", [resized], "Y")).Build(opset: 13);
        var input = new FloatInput("X", [1, 2, 3, 4], [1, 1, 2, 2]);
        var expected = OrtRunner.Run(model, input);

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        Assert.All(model.Graph.Initializers, v => Assert.Equal(ElementType.Float, v.Initializer!.ElementType));
        Assert.Equal(expected[0], OrtRunner.Run(model, input)[0]);
    }

    private static Value ConstantNode(GraphBuilder b, string name, NodeAttribute value)
        => b.Node("Constant", [], [name], name + "_const", value).Outputs[0]!;
}
