using ModelOpt.Core.Data;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Static;

public sealed class StaticQuantizationPassTests(ITestOutputHelper output)
{
    [Fact]
    public void SmallCnnBecomesQdqThatOnnxRuntimeFusesIntoIntegerKernels()
    {
        var model = StaticTestModels.SmallCnn();

        var report = QuantizeAndCompare(model, StaticQuantizationOptions.Default, StaticTestModels.Calibration(16), minCosine: 0.999);

        Assert.All(report.Nodes, n => Assert.Equal(NodePrecision.StaticInt8, n.Precision));
        Assert.Equal(QuantizationGranularity.PerChannel, report.Nodes.Single(n => n.NodeName == "conv1").Granularity);
        Assert.Contains("merged into conv1", report.Nodes.Single(n => n.NodeName == "relu1").Reason, StringComparison.Ordinal);
        Assert.Contains("graph output", report.Nodes.Single(n => n.NodeName == "Y").Reason, StringComparison.Ordinal);
        // What ONNX Runtime 1.31 makes of it: every node an integer kernel, the Relus gone, MaxPool
        // and Flatten on uint8 data, one QuantizeLinear at the input and QGemm's float output.
        Assert.Equal(["QuantizeLinear", "QLinearConv", "MaxPool", "QLinearConv", "com.microsoft.QLinearAdd",
            "com.microsoft.QLinearGlobalAveragePool", "Flatten", "com.microsoft.QGemm"], OrtRunner.OptimizedOpTypes(model));

        // Weights per output channel (axis 0), int8 on a 7-bit grid with zero point 0; int32 bias.
        var w1 = Initializer(model, "W1_quantized");
        Assert.Equal(ElementType.Int8, w1.ElementType);
        Assert.All(w1.GetRawData().ToArray(), q => Assert.InRange((sbyte)q, -63, 63));
        Assert.Contains(w1.GetRawData().ToArray(), q => Math.Abs((sbyte)q) == 63);
        Assert.Equal([8], Initializer(model, "W1_scale").Dims);
        Assert.All(Initializer(model, "W1_zero_point").GetRawData().ToArray(), z => Assert.Equal(0, z));
        Assert.Equal(ElementType.Int32, Initializer(model, "B1_quantized").ElementType);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name is "W1" or "B1" or "W3" or "C3");
        Assert.Equal(1f, model.Graph.Nodes.Single(n => n.OpType == "Gemm").GetAttribute("beta")!.Float);
    }

    [Theory]
    [InlineData(true, true, true, ActivationType.UInt8, false, CalibrationMethod.Percentile, 0.999, 0.1)]
    [InlineData(false, true, true, ActivationType.UInt8, false, CalibrationMethod.Entropy, 0.99, 0.3)]
    [InlineData(true, false, true, ActivationType.UInt8, false, CalibrationMethod.MinMax, 0.999, 0.1)]
    [InlineData(true, true, false, ActivationType.UInt8, false, CalibrationMethod.MinMax, 0.999, 0.1)]
    [InlineData(false, false, false, ActivationType.UInt8, false, CalibrationMethod.MinMax, 0.999, 0.1)]
    [InlineData(true, true, true, ActivationType.Int8, false, CalibrationMethod.MinMax, 0.999, 0.1)]
    [InlineData(true, true, true, ActivationType.UInt8, true, CalibrationMethod.MinMax, 0.999, 0.1)]
    [InlineData(false, false, true, ActivationType.Int8, true, CalibrationMethod.Percentile, 0.995, 0.1)]
    [InlineData(true, true, false, ActivationType.Int8, true, CalibrationMethod.MinMax, 0.97, 0.4)]
    public void EveryOptionCombinationStaysClose(bool perChannel, bool symmetric, bool reduceRange, ActivationType activations, bool symmetricActivations,
        CalibrationMethod method, double minCosine, double maxRelativeError)
    {
        var model = StaticTestModels.SmallCnn();
        var options = new StaticQuantizationOptions
        {
            PerChannel = perChannel,
            Symmetric = symmetric,
            ReduceWeightRange = reduceRange,
            ActivationType = activations,
            SymmetricActivations = symmetricActivations,
            CalibrationMethod = method,
        };

        // Entropy clips the few large activations of this small random network. With int8
        // activations on x86-64, ONNX Runtime 1.31 shifts the first QDQ Conv to uint8 (its
        // QDQS8ToU8 transformer) and runs it in the U8S8 kernel, which saturates without VNNI
        // when the weights use the full int8 range (symmetric activations, near 128 after the
        // shift, make it worse); 7-bit weights do not.
        var report = QuantizeAndCompare(model, options, StaticTestModels.Calibration(16), minCosine, maxRelativeError: maxRelativeError);

        var conv = report.Nodes.Single(n => n.NodeName == "conv1");
        Assert.Equal(perChannel && symmetric ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, conv.Granularity);
        if (perChannel && !symmetric) Assert.Contains("QLinearConv requires the same weight zero point", conv.Reason, StringComparison.Ordinal);
        Assert.Equal(perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, report.Nodes.Single(n => n.NodeName == "Y").Granularity);
        var relu = report.Nodes.Single(n => n.NodeName == "relu1");
        Assert.Equal(symmetricActivations ? NodePrecision.Float : NodePrecision.StaticInt8, relu.Precision);
        var weights = Initializer(model, "W2_quantized");
        Assert.Equal(activations == ActivationType.UInt8 && !reduceRange ? ElementType.UInt8 : ElementType.Int8, weights.ElementType);
        if (reduceRange) Assert.All(weights.GetRawData().ToArray(), q => Assert.InRange((sbyte)q, -64, 63));
        Assert.Equal(activations == ActivationType.UInt8 ? ElementType.UInt8 : ElementType.Int8, Initializer(model, "X_zero_point").ElementType);
    }

    [Fact]
    public void MatMulBecomesQLinearMatMulOrMatMulIntegerToFloatAtTheOutput()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 4, 16);
        var hidden = b.Op("Relu", [b.Op("MatMul", [x, b.Weight("W1", [16, 8], Numbers.Uniform(128, 21))], "mm1")], "hidden");
        var model = b.Output(b.Op("MatMul", [hidden, b.Weight("W2", [8, 6], Numbers.Uniform(48, 22))], "Y")).Build(13);
        var data = SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats("X", [4, 16], Numbers.Uniform(64, 100 + i))])));

        var report = QuantizeAndCompare(model, StaticQuantizationOptions.Default, data, minCosine: 0.999,
            inputs: [new FloatInput("X", Numbers.Uniform(64, 200), [4, 16])]);

        Assert.Equal(3, report.QuantizedCount);
        Assert.Equal([8], Initializer(model, "W1_scale").Dims);
        Assert.Equal(1, model.Graph.Nodes.First(n => n.OpType == "DequantizeLinear" && n.Outputs[0]!.Name.StartsWith("W1", StringComparison.Ordinal)).GetAttribute("axis")!.Int);
        Assert.Equal(["QuantizeLinear", "QLinearMatMul", "com.microsoft.MatMulIntegerToFloat"],
            OrtRunner.OptimizedOpTypes(model).Where(o => o != "DequantizeLinear"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GemmFoldsBetaIntoAnInt32BiasAndBecomesQGemm(bool perChannel)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 3, 10);
        var first = b.Op("Gemm", [x, b.Weight("W1", [10, 7], Numbers.Uniform(70, 31)), b.Weight("C1", [7], Numbers.Uniform(7, 32))], "g1",
            NodeAttribute.FromFloat("alpha", 0.5f), NodeAttribute.FromFloat("beta", 2f));
        var relu = b.Op("Relu", [first], "r1");
        var y = b.Op("Gemm", [relu, b.Weight("W2", [6, 7], Numbers.Uniform(42, 33)), b.Weight("C2", [1, 6], Numbers.Uniform(6, 34))], "Y",
            NodeAttribute.FromInt("transB", 1));
        var model = b.Output(y).Build(13);
        var data = SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, [3, 10], Numbers.Uniform(30, 300 + i))])));

        QuantizeAndCompare(model, StaticQuantizationOptions.Default with { PerChannel = perChannel }, data, minCosine: 0.999,
            inputs: [new FloatInput("X", Numbers.Uniform(30, 400), [3, 10])]);

        Assert.Equal(["com.microsoft.QGemm", "com.microsoft.QGemm"], OrtRunner.OptimizedOpTypes(model).Where(o => o.Contains("Gemm", StringComparison.Ordinal)));
        Assert.All(model.Graph.Nodes.Where(n => n.OpType == "Gemm"), g => Assert.Equal(1f, g.GetAttribute("beta")!.Float));
        Assert.Equal([6L], Initializer(model, "C2_quantized").Dims);
    }

    [Fact]
    public void ConcatAndAveragePoolBecomeTheirQLinearForms()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 4, 8, 8);
        var left = b.Op("Conv", [x, b.Weight("Wa", [4, 4, 1, 1], Numbers.Uniform(16, 41))], "a");
        var right = b.Op("Conv", [x, b.Weight("Wb", [4, 4, 3, 3], Numbers.Uniform(144, 42)), b.Weight("Bb", [4], Numbers.Uniform(4, 43))], "b",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        var joined = b.Op("Concat", [left, right], "joined", NodeAttribute.FromInt("axis", 1));
        var pooled = b.Op("AveragePool", [joined], "pooled", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        var model = b.Output(b.Op("Conv", [pooled, b.Weight("Wc", [2, 8, 1, 1], Numbers.Uniform(16, 44))], "Y")).Build(13);
        var data = SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, [1, 4, 8, 8], Numbers.Uniform(256, 500 + i))])));

        QuantizeAndCompare(model, StaticQuantizationOptions.Default, data, minCosine: 0.999,
            inputs: [new FloatInput("X", Numbers.Uniform(256, 600), [1, 4, 8, 8])]);

        var ops = OrtRunner.OptimizedOpTypes(model);
        Assert.Contains("com.microsoft.QLinearConcat", ops);
        Assert.Contains("com.microsoft.QLinearAveragePool", ops);
        Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
    }

    [Fact]
    public void UnhandledOperatorsPassThroughAndAreReported()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 3, 6, 6);
        var first = b.Op("Conv", [x, b.Weight("W1", [4, 3, 3, 3], Numbers.Uniform(108, 51))], "first");
        // Tanh: ONNX Runtime has no QDQ rule for it (it has one for Sigmoid), so it really runs in float.
        var squashed = b.Op("Tanh", [first], "squashed");
        var model = b.Output(b.Op("Conv", [squashed, b.Weight("W2", [2, 4, 1, 1], Numbers.Uniform(8, 52))], "Y")).Build(13);
        var data = SampleSet.FromSamples(Enumerable.Range(0, 4).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, [1, 3, 6, 6], Numbers.Uniform(108, 700 + i))])));

        var report = QuantizeAndCompare(model, StaticQuantizationOptions.Default, data, minCosine: 0.999,
            inputs: [new FloatInput("X", Numbers.Uniform(108, 800), [1, 3, 6, 6])]);

        var tanh = report.Nodes.Single(n => n.OpType == "Tanh");
        Assert.Equal(NodePrecision.Float, tanh.Precision);
        Assert.Equal("no static quantizer for Tanh; it runs in float", tanh.Reason);
        Assert.Equal(2, report.QuantizedCount);
        Assert.Contains("Tanh", OrtRunner.OptimizedOpTypes(model));
    }

    [Fact]
    public void AnActivationThatTurnsOutNotToBeFloatKeepsItsNodesInFloat()
    {
        // Shape → Add → Reshape → Div → ConstantOfShape → Mul → Conv: the model declares no types in between,
        // so only running it shows that the Add works on INT64. (It leads to a Conv, so it is not
        // part of the float output tail.)
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 3, 6, 6);
        var conv = b.Op("Conv", [x, b.Weight("W", [2, 3, 3, 3], Numbers.Uniform(54, 71))], "Y");
        var shape = b.Op("Shape", [x], "shape");
        var doubled = b.Op("Add", [shape, shape], "doubled");
        // The Reshape (a quantizable reader) makes the Add a candidate until calibration finds INT64.
        var flat = b.Op("Reshape", [doubled, b.Int64s("flat_shape", 4)], "flat");
        var halved = b.Op("Div", [flat, b.Int64s("two", 2)], "halved");
        var ones = b.Op("ConstantOfShape", [halved], "ones", NodeAttribute.FromTensor("value", Tensor.FromFloats("one", [1], [1f])));
        var scaled = b.Op("Mul", [x, ones], "scaled");
        var second = b.Op("Conv", [scaled, b.Weight("W2", [2, 3, 1, 1], Numbers.Uniform(6, 72))], "S");
        var model = b.Output(conv).Output(second).Build(13);
        var data = SampleSet.FromSamples(Enumerable.Range(0, 2).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, [1, 3, 6, 6], Numbers.Uniform(108, 900 + i))])));
        var input = new FloatInput("X", Numbers.Uniform(108, 950), [1, 3, 6, 6]);
        var expected = OrtRunner.Run(model, input);

        var pass = new StaticQuantizationPass(null, data, Calibrators.Cpu());
        var result = pass.Run(model);
        Assert.True(result.Modified);

        var add = result.Report.Nodes.Single(n => n.OpType == "Add");
        Assert.Equal(NodePrecision.Float, add.Precision);
        Assert.Equal("'shape' is INT64 when the model runs; only FLOAT activations are quantized", add.Reason);
        Assert.Equal(NodePrecision.StaticInt8, result.Report.Nodes.Single(n => n.NodeName == "Y").Precision);
        var actual = OrtRunner.Run(model, input);
        Assert.True(Numbers.Cosine(expected[0], actual[0]) >= 0.999);
        Assert.True(Numbers.Cosine(expected[1], actual[1]) >= 0.999);
    }

    [Fact]
    public void ExcludedNodesAndOperatorTypesStayFloat()
    {
        var model = StaticTestModels.SmallCnn();
        var options = StaticQuantizationOptions.Default with { Exclusions = new NodeFilter(["conv2"], ["Add", "Gemm"]) };

        var report = QuantizeAndCompare(model, options, StaticTestModels.Calibration(8), minCosine: 0.999);

        Assert.Equal("excluded by ExcludeNodes", report.Nodes.Single(n => n.NodeName == "conv2").Reason);
        Assert.Equal("excluded by ExcludeOpTypes", report.Nodes.Single(n => n.NodeName == "add").Reason);
        Assert.Equal("excluded by ExcludeOpTypes", report.Nodes.Single(n => n.NodeName == "Y").Reason);
        Assert.Equal(NodePrecision.StaticInt8, report.Nodes.Single(n => n.NodeName == "conv1").Precision);
        Assert.Equal(NodePrecision.Float, report.Nodes.Single(n => n.NodeName == "relu2").Precision);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "DequantizeLinear" && n.Outputs[0]!.Name.StartsWith("W2", StringComparison.Ordinal));
        var ops = OrtRunner.OptimizedOpTypes(model);
        Assert.Contains("Gemm", ops);
        Assert.Single(ops, o => o == "QLinearConv");
    }

    [Fact]
    public void WithoutCalibrationDataTheErrorSaysWhatToDo()
    {
        var error = Assert.Throws<ModelOptException>(() => new StaticQuantizationPass(null, null, Calibrators.Cpu()).Run(StaticTestModels.SmallCnn()));

        Assert.Equal(DiagnosticCode.CalibrationDataMissing, error.Code);
        Assert.Contains("pass 'StaticQuantization': ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Set CalibrationData", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptySampleSequenceIsAnError()
    {
        var error = Assert.Throws<ModelOptException>(() =>
            new StaticQuantizationPass(null, SampleSet.FromSamples([]), Calibrators.Cpu()).Run(StaticTestModels.SmallCnn()));

        Assert.Equal(DiagnosticCode.CalibrationDataMissing, error.Code);
        Assert.Contains("holds no sample", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CalibrationDataOfTheWrongShapeNamesTheInputAndBothShapes()
    {
        using var folder = new TempFolder();
        SampleFiles.NpyFloats(folder.File("0.npy"), [1, 3, 10, 10], new float[300]);

        var error = Assert.Throws<ModelOptException>(() =>
            new StaticQuantizationPass(null, SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration), Calibrators.Cpu()).Run(StaticTestModels.SmallCnn()));

        Assert.Equal(DiagnosticCode.CalibrationShapeMismatch, error.Code);
        Assert.Contains("FLOAT[1,3,10,10], but model input 'X' is FLOAT[1,3,12,12]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllZeroWeightsAndActivationsGiveFiniteScalesAndExactZeros()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 2, 5, 5);
        var weights = new float[3 * 2 * 9];
        for (int i = 0; i < 18; i++) weights[i] = 0.1f * (i % 5 - 2);
        // Channel 1 all zeros under a large bias (its bias cannot fit int32 at the natural scale); channel 2 all zeros.
        var conv = b.Op("Conv", [x, b.Weight("W", [3, 2, 3, 3], weights), b.Weight("B", [3], [0.25f, 40f, 0f])], "conv");
        var model = b.Output(b.Op("Relu", [b.Op("Add", [conv, conv], "sum")], "Y")).Build(13);
        var zeros = SampleSet.FromSamples([new Sample("zeros", [SampleTensor.FromFloats(null, [1, 2, 5, 5], new float[50])])]);
        var input = new FloatInput("X", Numbers.Uniform(50, 61), [1, 2, 5, 5]);
        var zeroInput = input with { Data = new float[50] };
        var expected = OrtRunner.Run(model, zeroInput)[0];

        var pass = new StaticQuantizationPass(null, zeros, Calibrators.Cpu());
        var result = pass.Run(model);
        Assert.True(result.Modified);

        foreach (var scale in model.Graph.Initializers.Where(v => v.Name.EndsWith("_scale", StringComparison.Ordinal)))
        {
            Assert.All(scale.Initializer!.ToFloatArray(), s => Assert.True(float.IsNormal(s) && s > 0, $"{scale.Name} holds {s}"));
        }
        Assert.Equal(1f, Initializer(model, "X_scale").ToFloatArray()[0]);
        var actual = OrtRunner.Run(model, zeroInput)[0];
        Numbers.AssertClose(expected, actual, 0.5);
        Assert.All(OrtRunner.Run(model, input)[0], v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void NonFiniteWeightsAreAnErrorNamingTheTensor()
    {
        var model = StaticTestModels.SmallCnn();
        var w = model.Graph.Initializers.Single(v => v.Name == "W2");
        var values = w.Initializer!.ToFloatArray();
        values[7] = float.NaN;
        w.Initializer = Tensor.FromFloats("W2", [.. w.Initializer.Dims], values);

        var error = Assert.Throws<ModelOptException>(() => new StaticQuantizationPass(null, StaticTestModels.Calibration(2), Calibrators.Cpu()).Run(model));

        Assert.Equal(DiagnosticCode.NonFiniteWeights, error.Code);
        Assert.Contains("node 'conv2' (Conv, opset 13): weight 'W2' holds NaN at element 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OldModelsAreUpgradedToOpset13()
    {
        var model = StaticTestModels.SmallCnn(opset: 8);

        var report = QuantizeAndCompare(model, StaticQuantizationOptions.Default, StaticTestModels.Calibration(8), minCosine: 0.999);

        Assert.Equal(13, report.Opset);
        Assert.Equal(13, model.GetOpsetVersion(""));
    }

    [Fact]
    public void QuantizingTwiceGivesIdenticalBytesAndAFolderOfNpyFilesGivesTheSameModel()
    {
        using var folder = new TempFolder();
        for (int i = 0; i < 6; i++) SampleFiles.NpyFloats(folder.File($"sample_{i}.npy"), StaticTestModels.InputShape, StaticTestModels.Input(i));
        var options = StaticQuantizationOptions.Default with { CalibrationMethod = CalibrationMethod.Entropy };

        byte[] Quantize(SampleSet data)
        {
            var model = StaticTestModels.SmallCnn();
            new StaticQuantizationPass(options, data, Calibrators.Cpu()).Run(model);
            return OnnxModelWriter.ToBytes(model);
        }

        byte[] first = Quantize(StaticTestModels.Calibration(6));
        Assert.Equal(first, Quantize(StaticTestModels.Calibration(6)));
        Assert.Equal(first, Quantize(SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration)));
    }

    /// <summary>
    /// Quantizes <paramref name="model"/> and checks it against the float model in ONNX Runtime:
    /// cosine ≥ <paramref name="minCosine"/> on inputs the calibration did not see, and no output
    /// element off by more than <paramref name="maxRelativeError"/> of the largest output.
    /// </summary>
    private QuantizationReport QuantizeAndCompare(OnnxModel model, StaticQuantizationOptions options, SampleSet data,
        double minCosine, FloatInput[]? inputs = null, double maxRelativeError = 0.1)
    {
        inputs ??= [.. Enumerable.Range(100, 4).Select(StaticTestModels.AsInput)];
        var expected = inputs.Select(i => OrtRunner.Run(model, i)[0]).ToArray();
        var pass = new StaticQuantizationPass(options, data, Calibrators.Cpu());
        var result = new PassPipeline(pass).Run(model).ResultOf(pass);
        Assert.True(result.Modified);
        for (int i = 0; i < inputs.Length; i++)
        {
            var actual = OrtRunner.Run(model, inputs[i])[0];
            double cosine = Numbers.Cosine(expected[i], actual);
            Assert.True(cosine >= minCosine, $"cosine {cosine} below {minCosine}");
            output?.WriteLine($"cosine {cosine:F5}");
            double error = Numbers.MaxAbsDifference(expected[i], actual);
            Assert.True(error <= maxRelativeError * Numbers.MaxAbs(expected[i]), $"largest difference {error} against largest output {Numbers.MaxAbs(expected[i])}");
        }
        return result.Report;
    }

    private static Tensor Initializer(OnnxModel model, string name) => model.Graph.Initializers.Single(v => v.Name == name).Initializer!;
}
