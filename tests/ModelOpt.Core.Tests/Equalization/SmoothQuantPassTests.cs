using ModelOpt.Core.Data;
using ModelOpt.Core.Equalization;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Equalization;

public sealed class SmoothQuantPassTests
{
    private const int Tokens = 16;
    private const int Hidden = 32;
    private static readonly long[] Shape = [1, Tokens, Hidden];

    /// <summary>Channels whose layer-norm scale is 30 times the rest: the outliers Xiao et al. find after a transformer's LayerNorm.</summary>
    private static readonly int[] OutlierChannels = [3, 17];

    [Fact]
    public void SmoothedEncoderComputesTheSameFunctionWithTheScalesInGammaBetaAndTheWeights()
    {
        var model = PreNormEncoder(residualReadsNormalized: false);
        var input = new FloatInput("X", Numbers.Uniform(Tokens * Hidden, 5), Shape);
        var expected = OrtRunner.Run(model, input)[0];
        var before = Constants(model);

        var result = new SmoothQuantPass(Calibration(), Calibrators.Cpu()).Run(model);

        Assert.True(result.Modified);
        Assert.Equal(["attention_norm", "ffn_norm_scale"], result.Report.Normalizations);
        Assert.Equal(4, result.Report.ProjectionCount);
        var actual = OrtRunner.Run(model, input)[0];
        Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-4 * Numbers.MaxAbs(expected), "the float function changed");

        var after = Constants(model);
        Assert.DoesNotContain("gamma1", after.Keys);
        foreach (var (gamma, beta, weights) in new[] { ("gamma1", "beta1", new[] { "Wq", "Wk", "Wv" }), ("gamma2", "beta2", new[] { "W1" }) })
        {
            var s = Enumerable.Range(0, Hidden).Select(j => before[gamma][j] / after[gamma + "_smoothed"][j]).ToArray();
            // The outlier channels are divided most: their activations shrink towards the rest.
            Assert.All(OutlierChannels, j => Assert.True(s[j] > 3 * s.Order().ElementAt(Hidden / 2), $"{gamma}: s[{j}] = {s[j]}"));
            for (int j = 0; j < Hidden; j++)
            {
                Assert.Equal(before[beta][j] / s[j], after[beta + "_smoothed"][j], 1e-5);
                foreach (string w in weights)
                {
                    for (int k = 0; k < Hidden; k++) Assert.Equal(before[w][(j * Hidden) + k] * s[j], after[w + "_smoothed"][(j * Hidden) + k], 1e-4);
                }
            }
        }
    }

    [Fact]
    public void A_normalized_value_that_something_other_than_a_projection_reads_is_left_alone()
    {
        // Post-LN residual (BERT): the Add reads the normalized value itself, so X / s would change its sum.
        var model = PreNormEncoder(residualReadsNormalized: true);
        var result = new SmoothQuantPass(Calibration(), Calibrators.Cpu()).Run(model);

        Assert.Equal(["ffn_norm_scale"], result.Report.Normalizations);
        Assert.Contains("gamma1", Constants(model).Keys);
        Assert.Contains("Wq", Constants(model).Keys);
    }

    [Fact]
    public void With_compensation_a_post_LN_residual_reads_the_value_back_through_a_Mul_by_s()
    {
        var model = PreNormEncoder(residualReadsNormalized: true);
        var input = new FloatInput("X", Numbers.Uniform(Tokens * Hidden, 5), Shape);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new SmoothQuantPass(Calibration(), Calibrators.Cpu(), compensate: true).Run(model);

        Assert.Equal(["attention_norm", "ffn_norm_scale"], result.Report.Normalizations);
        var residual = model.Graph.Nodes.Single(n => n.Name == "residual");
        Assert.Equal("Mul", residual.Inputs[0]!.Producer!.OpType);
        Assert.Equal("h1", residual.Inputs[0]!.Producer!.Inputs[0]!.Name);
        var actual = OrtRunner.Run(model, input)[0];
        Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-4 * Numbers.MaxAbs(expected), "the float function changed");
    }

    [Fact]
    public void PerTensorStaticQuantizationIsMoreAccurateAfterSmoothing()
    {
        var input = new FloatInput("X", Numbers.Uniform(Tokens * Hidden, 77), Shape);
        var options = StaticQuantizationOptions.Default with { BiasCorrection = false };

        double Cosine(bool smooth)
        {
            var model = PreNormEncoder(residualReadsNormalized: false);
            var expected = OrtRunner.Run(model, input)[0];
            if (smooth) new SmoothQuantPass(Calibration(), Calibrators.Cpu()).Run(model);
            new PassPipeline(new StaticQuantizationPass(options, Calibration(), Calibrators.Cpu())).Run(model);
            return Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        }

        double without = Cosine(false), with = Cosine(true);
        Assert.True(with > without, $"cosine {with} with smoothing, {without} without");
    }

    private static SampleSet Calibration()
        => SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, Shape, Numbers.Uniform(Tokens * Hidden, 40 + i))])));

    /// <summary>
    /// A pre-LN transformer layer (Xiao et al.'s OPT layout): LayerNormalization → Q, K, V →
    /// attention → residual Add, then a decomposed LayerNorm (ReduceMean … Div, Mul γ, Add β) →
    /// feed-forward MatMul; both γ have outlier channels. With <paramref name="residualReadsNormalized"/>
    /// the residual adds the normalized value instead of the input, as post-LN BERT does.
    /// </summary>
    private static OnnxModel PreNormEncoder(bool residualReadsNormalized)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", Shape);
        float[] Gamma(int seed)
        {
            var g = Numbers.Uniform(Hidden, seed, 0.5f, 1.5f);
            foreach (int j in OutlierChannels) g[j] *= 30f;
            return g;
        }
        var normalized = b.Node("LayerNormalization", [x, b.Weight("gamma1", [Hidden], Gamma(1)), b.Weight("beta1", [Hidden], Numbers.Uniform(Hidden, 2, -0.2f, 0.2f))],
            ["h1"], "attention_norm", NodeAttribute.FromInt("axis", -1)).Outputs[0]!;
        Value Project(Value v, string name, int seed) => b.Op("MatMul", [v, b.Weight(name, [Hidden, Hidden], Numbers.Uniform(Hidden * Hidden, seed, -0.2f, 0.2f))], name + "_out");
        var q = Project(normalized, "Wq", 3);
        var k = Project(normalized, "Wk", 4);
        var v = Project(normalized, "Wv", 5);
        var scores = b.Op("MatMul", [q, b.Op("Transpose", [k], "kT", NodeAttribute.FromInts("perm", [0, 2, 1]))], "scores");
        var probabilities = b.Op("Softmax", [b.Op("Mul", [scores, b.Weight("temperature", [], [0.05f])], "scaled")], "probabilities", NodeAttribute.FromInt("axis", -1));
        var context = b.Op("MatMul", [probabilities, v], "context");
        var residual = b.Op("Add", [residualReadsNormalized ? normalized : x, context], "residual");

        var mean = b.Op("ReduceMean", [residual], "mean", NodeAttribute.FromInts("axes", [-1]));
        var centered = b.Op("Sub", [residual, mean], "centered");
        var variance = b.Op("ReduceMean", [b.Op("Pow", [centered, b.Weight("two", [], [2f])], "squared")], "variance", NodeAttribute.FromInts("axes", [-1]));
        var deviation = b.Op("Sqrt", [b.Op("Add", [variance, b.Weight("epsilon", [], [1e-5f])], "variance_eps")], "deviation");
        var unit = b.Op("Div", [centered, deviation], "unit");
        var scaled = b.Node("Mul", [unit, b.Weight("gamma2", [Hidden], Gamma(6))], ["ffn_scaled"], "ffn_norm_scale").Outputs[0]!;
        var normalized2 = b.Op("Add", [scaled, b.Weight("beta2", [Hidden], Numbers.Uniform(Hidden, 7, -0.2f, 0.2f))], "h2");
        var y = b.Op("Add", [Project(normalized2, "W1", 8), residual], "Y");
        return b.Output(y).Build(17);
    }

    private static Dictionary<string, float[]> Constants(OnnxModel model)
        => model.Graph.Initializers.Where(v => v.Initializer!.ElementType == ElementType.Float).ToDictionary(v => v.Name, v => v.Initializer!.ToFloatArray());
}
