using ModelOpt.Core.Data;
using ModelOpt.Core.Equalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Equalization;

public sealed class OutlierChannelDecompositionPassTests
{
    private const int Tokens = 16;
    private const int Hidden = 64;
    private const int Width = 48;
    private static readonly long[] Shape = [1, Tokens, Hidden];

    /// <summary>Channels whose scale is 30 times the rest: the massive activations of a trained transformer's hidden state.</summary>
    private static readonly int[] OutlierChannels = [5, 40];

    [Fact]
    public void The_outlier_channels_leave_the_product_and_the_function_stays()
    {
        var model = Layer();
        var input = Input(3);
        var expected = OrtRunner.Run(model, input);
        var w1 = Constant(model, "W1");

        var result = Pass().Run(model);

        Assert.True(result.Modified);
        var value = Assert.Single(result.Report.Values);
        Assert.Equal("h", value.Value);
        Assert.Equal(OutlierChannels, value.Channels);
        Assert.Equal(["project1", "project2"], value.Projections);
        // Gather and mask once, then a float product and the Add that joins it per projection.
        Assert.Equal(6, result.Report.FloatNodes.Count);
        var actual = OrtRunner.Run(model, input);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.True(Numbers.MaxAbsDifference(expected[o], actual[o]) <= 1e-4 * Numbers.MaxAbs(expected[o]), $"output {o} changed");
        }

        var project1 = model.Graph.Nodes.Single(n => n.Name == "project1");
        var ordinary = ConstantValues.TryGetTensor(model, project1.Inputs[1]!)!.ToFloatArray();
        for (int j = 0; j < Hidden; j++)
        {
            for (int c = 0; c < Width; c++)
            {
                Assert.Equal(OutlierChannels.Contains(j) ? 0f : w1[(j * Width) + c], ordinary[(j * Width) + c]);
            }
        }
        // The residual keeps reading the value itself; the product joins after the bias Add, which still reads the MatMul alone.
        Assert.Equal("h", model.Graph.Nodes.Single(n => n.Name == "residual").Inputs[0]!.Name);
        var bias = model.Graph.Nodes.Single(n => n.Name == "bias");
        Assert.Equal(project1.Outputs[0], bias.Inputs[0]);
        Assert.Equal("Add", Assert.Single(bias.Outputs[0]!.Uses).Node.OpType);
        Assert.Contains(bias.Outputs[0]!.Uses[0].Node.Name, result.Report.FloatNodes);
    }

    [Fact]
    public void Dynamic_quantization_of_the_decomposed_layer_is_more_accurate()
    {
        var input = Input(11);

        double Cosine(bool decompose)
        {
            var model = Layer();
            var expected = OrtRunner.Run(model, input)[0];
            IReadOnlyList<string> keep = decompose ? Pass().Run(model).Report.FloatNodes : [];
            var report = new PassPipeline(new DynamicQuantizationPass(DynamicQuantizationOptions.Default with
            {
                Exclusions = new NodeFilter(keptWithReason: keep.Select(n => KeyValuePair.Create(n, OutlierChannelDecompositionPass.FloatReason))),
            })).Run(model).Results.OfType<PassResult<QuantizationReport>>().Single().Report;
            if (decompose)
            {
                // The small products stay float MatMuls, and the report says why.
                Assert.All(report.Nodes.Where(n => keep.Contains(n.NodeName)), n => Assert.Equal(OutlierChannelDecompositionPass.FloatReason, n.Reason));
                Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "MatMul"));
            }
            return Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        }

        double without = Cosine(false), with = Cosine(true);
        Assert.True(with > without && with > 0.999, $"cosine {with} decomposed, {without} as it was");
    }

    [Fact]
    public void A_value_without_outliers_is_left_alone()
    {
        var model = Layer(outlierScale: 1f);
        int nodes = model.Graph.Nodes.Count;

        var result = Pass().Run(model);

        Assert.False(result.Modified);
        Assert.Empty(result.Report.Values);
        Assert.Equal(nodes, model.Graph.Nodes.Count);
    }

    [Fact]
    public void Outliers_are_those_above_the_threshold_times_the_median_and_at_most_one_in_32()
    {
        var peaks = Enumerable.Repeat(1f, 64).ToArray();
        peaks[9] = 7f;
        peaks[3] = 20f;
        peaks[50] = 5f;
        Assert.Equal([3, 9], OutlierChannelDecompositionPass.Outliers(peaks, 6));

        peaks[20] = 30f;
        // Three above the threshold, two allowed: the largest two, in channel order.
        Assert.Equal([3, 20], OutlierChannelDecompositionPass.Outliers(peaks, 6));
        Assert.Empty(OutlierChannelDecompositionPass.Outliers(new float[64], 6));
    }

    private static OutlierChannelDecompositionPass Pass() => new(Calibration(), Calibrators.Cpu());

    private static FloatInput Input(int seed) => new("X", Numbers.Uniform(Tokens * Hidden, seed), Shape);

    private static SampleSet Calibration()
        => SampleSet.FromSamples(Enumerable.Range(0, 6).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, Shape, Numbers.Uniform(Tokens * Hidden, 40 + i))])));

    /// <summary>
    /// h = X·g, where g is 30 on the outlier channels; two projections read h (one with a bias Add,
    /// as exporters write a Linear layer), and a residual Add reads it too.
    /// </summary>
    private static OnnxModel Layer(float outlierScale = 30f)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", Shape);
        var g = Numbers.Uniform(Hidden, 1, 0.5f, 1.5f);
        foreach (int j in OutlierChannels) g[j] *= outlierScale;
        var h = b.Op("Mul", [x, b.Weight("g", [Hidden], g)], "h");
        var first = b.Node("MatMul", [h, b.Weight("W1", [Hidden, Width], Numbers.Uniform(Hidden * Width, 2, -0.2f, 0.2f))], ["p1"], "project1").Outputs[0]!;
        var biased = b.Node("Add", [first, b.Weight("b1", [Width], Numbers.Uniform(Width, 3, -0.1f, 0.1f))], ["a1"], "bias").Outputs[0]!;
        var second = b.Node("MatMul", [h, b.Weight("W2", [Hidden, Width], Numbers.Uniform(Hidden * Width, 4, -0.2f, 0.2f))], ["p2"], "project2").Outputs[0]!;
        var y = b.Op("Add", [b.Op("Relu", [biased], "r1"), second], "Y");
        var z = b.Node("Add", [h, x], ["Z"], "residual").Outputs[0]!;
        return b.Output(y).Output(z).Build(17);
    }

    private static float[] Constant(OnnxModel model, string name) => model.Graph.Initializers.Single(v => v.Name == name).Initializer!.ToFloatArray();
}
