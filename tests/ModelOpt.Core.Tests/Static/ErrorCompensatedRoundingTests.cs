using ModelOpt.Core.Data;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Rounding;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Static;

public sealed class ErrorCompensatedRoundingTests
{
    [Fact]
    public void A_Conv_Gram_is_the_sum_of_its_receptive_field_patches_per_group()
    {
        // 2 groups of 2 channels, 3×3 kernel, stride 2, pads 1, dilation 1, on a 1×4×5×6 input: every position is taken.
        var conv = new Node("Conv", [], ["y"], "conv");
        conv.Attributes.Add(NodeAttribute.FromInt("group", 2));
        conv.Attributes.Add(NodeAttribute.FromInts("strides", [2, 2]));
        conv.Attributes.Add(NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        long[] dims = [1, 4, 5, 6];
        var x = Numbers.Uniform(4 * 5 * 6, 3);
        var gram = InputGram.For(conv, [6, 2, 3, 3])!;
        gram.Add(x, dims);

        Assert.Equal(18, gram.Columns);
        Assert.Equal(2, gram.Groups);
        Assert.Equal(3 * 3, gram.Positions);
        for (int g = 0; g < 2; g++)
        {
            var expected = new double[18 * 18];
            for (int oy = 0; oy < 3; oy++)
            {
                for (int ox = 0; ox < 3; ox++)
                {
                    var patch = new double[18];
                    int j = 0;
                    for (int c = 2 * g; c < (2 * g) + 2; c++)
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++, j++)
                            {
                                int iy = (2 * oy) - 1 + ky, ix = (2 * ox) - 1 + kx;
                                patch[j] = iy is >= 0 and < 5 && ix is >= 0 and < 6 ? x[(c * 30) + (iy * 6) + ix] : 0;
                            }
                        }
                    }
                    for (int a = 0; a < 18; a++)
                    {
                        for (int b = a; b < 18; b++) expected[(a * 18) + b] += patch[a] * patch[b];
                    }
                }
            }
            var actual = gram.Matrix(g);
            for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k], 1e-9);
        }
    }

    [Fact]
    public void A_MatMul_Gram_sums_the_rows_of_its_input()
    {
        var matMul = new Node("MatMul", [], ["y"], "matmul");
        var x = Numbers.Uniform(2 * 3 * 4, 5);
        var gram = InputGram.For(matMul, [4, 7])!;
        gram.Add(x, [2, 3, 4]);

        Assert.Equal(6, gram.Positions);
        for (int a = 0; a < 4; a++)
        {
            for (int b = a; b < 4; b++)
            {
                double expected = Enumerable.Range(0, 6).Sum(r => (double)x[(r * 4) + a] * x[(r * 4) + b]);
                Assert.Equal(expected, gram.Matrix(0)[(a * 4) + b], 1e-9);
            }
        }
    }

    [Fact]
    public void A_layer_stops_adding_samples_at_its_work_bound()
    {
        // 512 columns: a sample of 1,024 rows costs 2^28 multiply-adds, so eight samples reach the layer's bound.
        const int Columns = 512, Rows = 1024;
        var gram = InputGram.For(new Node("MatMul", [], ["y"], "m"), [Columns, 4])!;
        var x = Numbers.Uniform(Rows * Columns, 7);
        for (int s = 0; s < 8; s++) gram.Add(x, [Rows, Columns]);
        double corner = gram.Matrix(0)[0];

        gram.Add(x, [Rows, Columns]);

        Assert.Equal(8L * Rows, gram.Positions);
        Assert.Equal(corner, gram.Matrix(0)[0]);
    }

    [Fact]
    public void With_uncorrelated_inputs_of_equal_size_it_is_rounding_to_nearest()
    {
        // H = n·I: no column's error can be compensated by another, so the grid points are the nearest ones.
        const int Rows = 5, Columns = 8;
        var gram = InputGram.For(new Node("MatMul", [], ["y"], "m"), [Columns, Rows])!;
        var identity = new float[Columns * Columns];
        for (int j = 0; j < Columns; j++) identity[(j * Columns) + j] = 1;
        gram.Add(identity, [Columns, Columns]);
        var values = Numbers.Uniform(Rows * Columns, 9);
        var grid = WeightQuantizer.Quantize(values, Rows, Columns, symmetric: true, bits: 7);

        var rounded = GptqRounding.Round(values, grid, Rows, Columns, 1, r => r, _ => 0, gram, -63, 63);

        Assert.Equal(grid.Values, rounded);
    }

    [Fact]
    public void With_correlated_inputs_it_lowers_the_layer_output_error_on_the_same_grid()
    {
        const int Rows = 16, Columns = 24, Positions = 400;
        // Inputs with a shared component and channels of unequal size, as real activations have.
        var x = new float[Positions * Columns];
        var common = Numbers.Uniform(Positions, 1);
        var noise = Numbers.Uniform(Positions * Columns, 2);
        for (int p = 0; p < Positions; p++)
        {
            for (int j = 0; j < Columns; j++) x[(p * Columns) + j] = (common[p] * 2f) + (noise[(p * Columns) + j] * (1 + (j % 5)));
        }
        var gram = InputGram.For(new Node("MatMul", [], ["y"], "m"), [Columns, Rows])!;
        gram.Add(x, [Positions, Columns]);
        var values = Numbers.Uniform(Rows * Columns, 3);
        var grid = WeightQuantizer.Quantize(values, Rows, Columns, symmetric: true, bits: 7);

        var rounded = GptqRounding.Round(values, grid, Rows, Columns, 1, r => r, _ => 0, gram, -63, 63)!;

        double OutputError(sbyte[] q)
        {
            double sum = 0;
            for (int p = 0; p < Positions; p++)
            {
                for (int r = 0; r < Rows; r++)
                {
                    double e = 0;
                    for (int j = 0; j < Columns; j++) e += x[(p * Columns) + j] * (values[(r * Columns) + j] - (q[(r * Columns) + j] * grid.Scales[r]));
                    sum += e * e;
                }
            }
            return sum;
        }
        Assert.All(rounded, q => Assert.InRange(q, -63, 63));
        double nearest = OutputError(grid.Values), compensated = OutputError(rounded);
        Assert.True(compensated < 0.8 * nearest, $"output error {compensated} with compensation, {nearest} rounding to nearest");
    }

    [Fact]
    public void Static_quantization_of_a_conv_net_is_closer_to_the_float_model_and_byte_identical_twice()
    {
        var inputs = Enumerable.Range(100, 4).Select(StaticTestModels.AsInput).ToArray();

        (double Error, byte[] Bytes) Quantize(WeightRounding rounding, long budget = 1L << 30)
        {
            var model = StaticTestModels.SmallCnn();
            var expected = inputs.Select(i => OrtRunner.Run(model, i)[0]).ToArray();
            var options = StaticQuantizationOptions.Default with { WeightRounding = rounding, MaxErrorCompensationBytes = budget };
            new PassPipeline(new StaticQuantizationPass(options, StaticTestModels.Calibration(8), Calibrators.Cpu())).Run(model);
            double error = inputs.Select((input, i) => 1 - Numbers.Cosine(expected[i], OrtRunner.Run(model, input)[0])).Sum();
            return (error, Onnx.Serialization.OnnxModelWriter.ToBytes(model));
        }

        var nearest = Quantize(WeightRounding.Nearest);
        var compensated = Quantize(WeightRounding.Gptq);
        // Held-out inputs (the calibration used others).
        Assert.True(compensated.Error < nearest.Error, $"1 - cosine, summed: {compensated.Error} with compensation, {nearest.Error} rounding to nearest");
        Assert.Equal(compensated.Bytes, Quantize(WeightRounding.Gptq).Bytes);
        Assert.NotEqual(nearest.Bytes, compensated.Bytes);
        // Without memory for a single Gram matrix every layer rounds to nearest.
        Assert.Equal(nearest.Bytes, Quantize(WeightRounding.Gptq, budget: 0).Bytes);
    }
}
