using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>Runs a float model and its dynamically quantized form in ONNX Runtime and checks the error.</summary>
internal static class QuantizedModels
{
    /// <summary>
    /// Quantizes <paramref name="model"/> and asserts that every output element is within the
    /// rounding bound of dynamic quantization: each of the <paramref name="reduction"/> products
    /// in an output sums x·w, and x is off by at most one activation step (DynamicQuantizeLinear
    /// rounds, and its rounded zero point can cost one more half step), w by half a weight step:
    /// |error| ≤ K·(max|x|·s_w/2 + (max|w| + s_w)·s_x). Also asserts cosine ≥ 0.999.
    /// </summary>
    public static QuantizationReport QuantizeAndCompare(OnnxModel model, DynamicQuantizationOptions options, FloatInput input,
        int reduction, float maxAbsWeight)
    {
        var expected = OrtRunner.Run(model, input)[0];
        // In a pipeline, which upgrades an old model first.
        var pass = new DynamicQuantizationPass(options);
        var result = new PassPipeline(pass).Run(model).ResultOf(pass);
        var actual = OrtRunner.Run(model, input)[0];

        float maxWeightScale = model.Graph.AllGraphs().SelectMany(g => g.Initializers)
            .Where(v => v.Name.EndsWith("_scale", StringComparison.Ordinal) && v.Initializer!.ElementType == ElementType.Float)
            .SelectMany(v => v.Initializer!.ToFloatArray()).DefaultIfEmpty(0f).Max();
        double maxX = Numbers.MaxAbs(input.Data);
        double activationStep = (Math.Max(0, input.Data.Max()) - Math.Min(0, input.Data.Min())) / 255.0;
        double bound = reduction * (maxX * maxWeightScale / 2 + (maxAbsWeight + maxWeightScale) * activationStep) + 1e-5;

        double error = Numbers.MaxAbsDifference(expected, actual);
        Assert.True(error <= bound, $"largest error {error} exceeds the quantization bound {bound}");
        double cosine = Numbers.Cosine(expected, actual);
        Assert.True(cosine >= 0.999, $"cosine {cosine}");
        return result.Report;
    }

    /// <summary>The initializer named <paramref name="name"/> anywhere in the model, or null.</summary>
    public static Value? Initializer(OnnxModel model, string name)
        => model.Graph.AllGraphs().SelectMany(g => g.Initializers).SingleOrDefault(v => v.Name == name);
}
