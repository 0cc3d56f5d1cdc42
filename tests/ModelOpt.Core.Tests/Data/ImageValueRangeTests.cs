using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Data;

/// <summary>
/// Generated images on the scale the model was trained on: from metadata, from the graph's own
/// preprocessing, or from the first layer's BatchNormalization statistics — measured here on the
/// repository's photographs at each pixel convention, and on the real ResNet18.
/// </summary>
public sealed class ImageValueRangeTests
{
    private const int Side = 64, Outputs = 16;

    [Fact]
    public void The_real_ResNet18_wants_mean_subtracted_8_bit_pixels()
    {
        // ML.NET's ResNet18 reads the output of ResNetPreprocess.onnx: 0-255 pixels minus the ImageNet mean.
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var range = ImageValueRange.For(model, model.Graph.Inputs.First(v => v.Initializer is null));

        Assert.Equal((0f, 128f), (range.Center, range.HalfWidth));
        Assert.Contains("BatchNormalization", range.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, 0.0, 0.5, 0.5)]       // [0, 1]
    [InlineData(255.0, 0.0, 127.5, 127.5)] // [0, 255]
    [InlineData(2.0, -1.0, 0.0, 1.0)]      // [-1, 1]
    [InlineData(4.444, -2.0, 0.0, 2.5)]    // mean/std-normalized
    public void First_layer_statistics_of_photographs_recover_their_pixel_convention(double scale, double offset, double center, double halfWidth)
    {
        var photos = PhotoCrops.Load(TestData.ImagesFolder, Side).Select(p => p.Pixels.Select(v => (float)(v / 255 * scale + offset)).ToArray()).ToList();
        float[] weights = RandomWeights(Outputs * 3 * 3 * 3, seed: 7);
        var (mean, variance) = ConvolutionStatistics(photos, weights);

        using var model = ConvBatchNorm(weights, mean, variance);
        var range = ImageValueRange.For(model, model.Graph.Inputs[0]);

        Assert.Equal(((float)center, (float)halfWidth), (range.Center, range.HalfWidth));
    }

    [Fact]
    public void A_division_by_255_in_the_graph_means_8_bit_pixels_and_metadata_wins()
    {
        var g = new GraphBuilder("scaled");
        var x = g.Input("image", 1, 3, 32, 32);
        g.Output(g.Op("Relu", [g.Op("Div", [x, g.Constant("c255", [], [255f])], "scaled")], "y"));
        using var model = g.Build(17);

        Assert.Equal((127.5f, 127.5f), (ImageValueRange.For(model, model.Graph.Inputs[0]).Center, ImageValueRange.For(model, model.Graph.Inputs[0]).HalfWidth));

        model.SetMetadata("Image.NominalPixelRange", "Normalized_1_1");
        var range = ImageValueRange.For(model, model.Graph.Inputs[0]);
        Assert.Equal((0f, 1f), (range.Center, range.HalfWidth));
        Assert.Contains("Image.NominalPixelRange", range.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_samples_use_the_range_and_say_so()
    {
        var g = new GraphBuilder("scaled");
        var x = g.Input("image", 1, 3, 8, 8);
        g.Output(g.Op("Relu", [g.Op("Mul", [x, g.Constant("k", [], [1f / 255])], "scaled")], "y"));
        using var model = g.Build(17);

        var set = SampleSet.Generate(model, "scaled.onnx", new Dictionary<string, long[]>(), count: 2);
        float[] values = set.Samples().SelectMany(s => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(s.Tensors[0].Data.Span).ToArray()).ToArray();

        Assert.All(values, v => Assert.InRange(v, 0f, 255f));
        Assert.True(values.Max() > 200 && values.Min() < 50);
        Assert.Contains("'image' uniform from 0 to 255", set.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_that_are_not_images_keep_the_default_range()
    {
        var g = new GraphBuilder("features");
        var x = g.Input("features", 1, 64);
        g.Output(g.Op("Relu", [g.Op("Div", [x, g.Constant("c255", [], [255f])], "scaled")], "y"));
        using var model = g.Build(17);

        Assert.Same(ImageValueRange.Default, ImageValueRange.For(model, model.Graph.Inputs[0]));
    }

    private static float[] RandomWeights(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.2f).ToArray();
    }

    /// <summary>Per-channel mean and variance of a 3×3 valid convolution over the photographs, as training would leave in a BatchNormalization.</summary>
    private static (float[] Mean, float[] Variance) ConvolutionStatistics(List<float[]> photos, float[] weights)
    {
        var sum = new double[Outputs];
        var squares = new double[Outputs];
        long count = 0;
        foreach (var photo in photos)
        {
            for (int y = 0; y + 2 < Side; y++)
            {
                for (int x = 0; x + 2 < Side; x++)
                {
                    for (int o = 0; o < Outputs; o++)
                    {
                        double value = 0;
                        for (int c = 0; c < 3; c++)
                        {
                            for (int ky = 0; ky < 3; ky++)
                            {
                                for (int kx = 0; kx < 3; kx++) value += weights[(((o * 3) + c) * 3 + ky) * 3 + kx] * photo[(c * Side * Side) + ((y + ky) * Side) + x + kx];
                            }
                        }
                        sum[o] += value;
                        squares[o] += value * value;
                    }
                    count++;
                }
            }
        }
        var mean = sum.Select(s => (float)(s / count)).ToArray();
        var variance = squares.Select((s, o) => (float)(s / count - mean[o] * (double)mean[o])).ToArray();
        return (mean, variance);
    }

    private static OnnxModel ConvBatchNorm(float[] weights, float[] mean, float[] variance)
    {
        var g = new GraphBuilder("first-layer");
        var x = g.Input("x", 1, 3, Side, Side);
        var conv = g.Op("Conv", [x, g.Weight("w", [Outputs, 3, 3, 3], weights)], "conv");
        var bn = g.Op("BatchNormalization", [conv, g.Weight("scale", [Outputs], Enumerable.Repeat(1f, Outputs).ToArray()), g.Weight("bias", [Outputs], new float[Outputs]),
            g.Weight("mean", [Outputs], mean), g.Weight("var", [Outputs], variance)], "bn");
        g.Output(g.Op("Relu", [bn], "y"));
        return g.Build(17);
    }
}
