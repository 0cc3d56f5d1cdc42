using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>Int4 with calibration samples: the same blocks and scales, codes chosen with the input Gram matrix (GPTQ).</summary>
public sealed class Int4ErrorCompensationTests
{
    // K not a multiple of the block: the last block is partly padding.
    private const int K = 72;
    private const int N = 16;
    private const int Rows = 32;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_correlated_inputs_it_lowers_the_held_out_output_error_on_the_same_scales(bool symmetric)
    {
        var nearest = Quantize(symmetric, WeightRounding.Nearest);
        var compensated = Quantize(symmetric, WeightRounding.Gptq);

        // Same grid: the scales (and zero points) are rounding to nearest's; only codes move.
        Assert.Equal(Initializer(nearest, "W_scales"), Initializer(compensated, "W_scales"));
        Assert.NotEqual(Initializer(nearest, "W_q4"), Initializer(compensated, "W_q4"));
        var heldOut = Input(seed: 100);
        var expected = OrtRunner.Run(Float(), heldOut)[0];
        double nearestError = SquaredError(expected, OrtRunner.Run(nearest, heldOut)[0]);
        double compensatedError = SquaredError(expected, OrtRunner.Run(compensated, heldOut)[0]);
        Assert.True(compensatedError < 0.8 * nearestError, $"error {compensatedError} against {nearestError} rounding to nearest");
    }

    [Fact]
    public void The_same_inputs_give_the_same_bytes_and_without_samples_it_rounds_to_nearest()
    {
        Assert.Equal(OnnxModelWriter.ToBytes(Quantize(true, WeightRounding.Gptq)), OnnxModelWriter.ToBytes(Quantize(true, WeightRounding.Gptq)));

        using var model = Float();
        new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { WeightRounding = WeightRounding.Gptq }).Run(model);
        Assert.Equal(OnnxModelWriter.ToBytes(Quantize(true, WeightRounding.Nearest)), OnnxModelWriter.ToBytes(model));
    }

    private static OnnxModel Quantize(bool symmetric, WeightRounding rounding)
    {
        var model = Float();
        var calibration = SampleSet.FromSamples(Enumerable.Range(0, 6).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, [Rows, K], Input(seed: i).Data)])));
        var options = new Int4QuantizationOptions { Symmetric = symmetric, WeightRounding = rounding };
        new Int4WeightOnlyQuantizationPass(options, calibration, Calibrators.Cpu()).Run(model);
        return model;
    }

    /// <summary>Y = X·W with X [32, 72], W [72, 16].</summary>
    private static OnnxModel Float()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", Rows, K);
        var y = b.Op("MatMul", [x, b.Weight("W", [K, N], Numbers.Uniform(K * N, 3))], "Y");
        return b.Output(y).Build(13);
    }

    /// <summary>Inputs with a shared component and channels of unequal size, as real activations have.</summary>
    private static FloatInput Input(int seed)
    {
        var common = Numbers.Uniform(Rows, 1000 + seed);
        var noise = Numbers.Uniform(Rows * K, 2000 + seed);
        var x = new float[Rows * K];
        for (int r = 0; r < Rows; r++)
        {
            for (int k = 0; k < K; k++) x[(r * K) + k] = (common[r] * 3 + noise[(r * K) + k]) * (1 + (k % 5));
        }
        return new FloatInput("X", x, [Rows, K]);
    }

    private static byte[] Initializer(OnnxModel model, string name)
        => model.Graph.Initializers.Single(v => v.Name == name).Initializer!.GetRawData().ToArray();

    private static double SquaredError(float[] expected, float[] actual)
        => expected.Zip(actual).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second));
}
