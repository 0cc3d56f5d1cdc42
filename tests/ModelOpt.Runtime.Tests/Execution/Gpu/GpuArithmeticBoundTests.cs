using ModelOpt.Core.Data;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Tests.Execution.Gpu;

/// <summary>
/// Where the device may change the model's bytes, and by how much, checked on the CPU: the only
/// place GPU arithmetic enters the model is static quantization's activation ranges. Calibrating
/// on activations whose extremes differ by a relative <see cref="Epsilon"/> (fp32 on CUDA
/// without TF32 differs from the CPU's by about 1e-6 relative; 1e-4 is a generous bound) changes
/// only the activation scales and the bias scales made from them, by at most that fraction, the
/// int32 biases quantized with those scales by their size times that fraction plus rounding, and
/// zero points by at most one step; every weight, every node and every other byte stays the same.
/// </summary>
public sealed class GpuArithmeticBoundTests
{
    private const float Epsilon = 1e-4f;

    [Fact]
    public void Activation_ranges_moved_by_epsilon_move_only_activation_scales_and_zero_points()
    {
        using var sessions = new SessionFactory();
        var options = StaticQuantizationOptions.Default with { BiasCorrection = false };
        using var cpu = new MobileNetV3Builder().Build();
        using var gpu = new MobileNetV3Builder().Build();
        var data = SampleSet.Generate(cpu, null, count: 4);

        new PassPipeline(new StaticQuantizationPass(options, data, new ActivationCalibrator(sessions))).Run(cpu);
        new PassPipeline(new StaticQuantizationPass(options, data, new WidenedRanges(new ActivationCalibrator(sessions), Epsilon))).Run(gpu);

        Assert.Equal(cpu.Graph.AllNodes().Select(n => n.OpType + ":" + n.Name), gpu.Graph.AllNodes().Select(n => n.OpType + ":" + n.Name));
        var gpuInitializers = gpu.Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!);
        int scales = 0;
        foreach (var value in cpu.Graph.Initializers)
        {
            var a = value.Initializer!;
            var b = gpuInitializers[value.Name];
            Assert.Equal(a.ElementType, b.ElementType);
            Assert.Equal(a.Dims, b.Dims);
            if (a.GetRawData().Span.SequenceEqual(b.GetRawData().Span)) continue;
            switch (a.ElementType)
            {
                case ElementType.Float:
                    // Activation scales, and bias scales (input scale x weight scale), move by the same fraction.
                    float[] x = a.ToFloatArray(), y = b.ToFloatArray();
                    for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 2 * Epsilon * Math.Abs(x[i]), $"{value.Name}[{i}]: {x[i]} vs {y[i]}");
                    scales++;
                    break;
                case ElementType.Int32:
                    // Biases quantized with those scales: round(b / s) moves by its size times the fraction, plus rounding.
                    int[] p = Ints(a), q = Ints(b);
                    for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(p[i] - q[i]) <= Math.Abs(p[i]) * 2 * Epsilon + 1, $"{value.Name}[{i}]: {p[i]} vs {q[i]}");
                    break;
                default:
                    // 8-bit: only an activation's zero point may move, by one step; quantized weights never.
                    Assert.True(a.ElementCount == 1, $"{value.Name} ({a.ElementType}[{string.Join(",", a.Dims)}]) differs: weights must not depend on the device");
                    Assert.True(Math.Abs(ZeroPoint(a) - ZeroPoint(b)) <= 1, $"{value.Name}: zero point {ZeroPoint(a)} vs {ZeroPoint(b)}");
                    break;
            }
        }
        Assert.True(scales > 0, "the widened ranges changed no scale: the test would prove nothing");
    }

    private static int[] Ints(Tensor t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(t.GetRawData().Span).ToArray();

    private static int ZeroPoint(Tensor t) => t.ElementType == ElementType.Int8 ? (sbyte)t.GetRawData().Span[0] : t.GetRawData().Span[0];

    /// <summary>The CPU's statistics with every range widened by a relative epsilon at both ends, as another device's rounding could.</summary>
    private sealed class WidenedRanges(IActivationObserver inner, float epsilon) : IActivationObserver
    {
        public (ActivationHistogram[] Statistics, ElementType[] Types) Collect(OnnxModel model, IReadOnlyList<Value> activations, SampleSet data, bool withHistograms,
            ActivationVisitor? visitor = null)
        {
            var (statistics, types) = inner.Collect(model, activations, data, withHistograms, visitor);
            var widened = statistics.Select(s =>
            {
                var h = new ActivationHistogram(withHistograms);
                if (s.Count > 0) h.Add([s.Min - epsilon * Math.Abs(s.Min), s.Max + epsilon * Math.Abs(s.Max)]);
                return h;
            }).ToArray();
            return (widened, types);
        }
    }
}
