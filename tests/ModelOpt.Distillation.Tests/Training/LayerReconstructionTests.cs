using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Distillation.Training;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Distillation.Tests.Training;

/// <summary>
/// Layer-wise least-squares reconstruction on small models built in code: structured pruning
/// halves the hidden channels (the hidden layer loses outputs, the last layer inputs), the distiller runs with no epochs (reconstruction only), and ONNX
/// Runtime measures the student against the teacher on samples neither saw in training.
/// </summary>
public sealed class LayerReconstructionTests(ITestOutputHelper output)
{
    private const string Input = "x";

    public static TheoryData<string> Models => ["conv", "mlp"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Reconstruction_alone_recovers_most_of_what_pruning_lost_on_held_out_samples(string kind)
    {
        var (teacher, shape) = Teacher(kind);
        using var _ = teacher;
        using var pruned = Pruned(teacher);
        using var student = pruned.Clone();
        var (training, heldOut, test) = (Samples(shape, 256, seed: 100), Samples(shape, 32, seed: 400), Samples(shape, 32, seed: 700));
        var lines = new List<string>();
        var result = new TorchDistiller().Distill(new DistillationRequest(teacher, student, training, null, heldOut, null,
            new DistillationSettings { Epochs = 0, Seed = 3 }, null, lines.Add));

        double before = RelativeError(teacher, pruned, test);
        double after = RelativeError(teacher, student, test);
        foreach (string line in lines) output.WriteLine(line);
        output.WriteLine($"{kind}: error on unseen samples (ONNX Runtime, against the teacher) {before:F4} -> {after:F4}; held-out worst cosine {result.InitialHeldOutCosine:F4} -> {result.FinalHeldOutCosine():F4}");

        var reconstruction = Assert.IsType<ReconstructionResult>(result.Reconstruction);
        // Both layers were narrowed: the hidden one lost outputs, the last one inputs. The hidden
        // one reads the untouched input and reproduces its kept channels exactly already.
        Assert.Equal(2, reconstruction.Layers.Count);
        var (hidden, layer) = (reconstruction.Layers[0], reconstruction.Layers[1]);
        Assert.False(hidden.Kept);
        Assert.True(hidden.ErrorBefore < 1e-9, $"hidden layer error {hidden.ErrorBefore}");
        Assert.Equal("y", layer.Node);
        Assert.True(layer.Kept);
        Assert.Equal(1, reconstruction.ReconstructedCount);
        Assert.True(layer.ErrorAfter < layer.ErrorBefore / 2, $"held-out layer error {layer.ErrorBefore:F4} -> {layer.ErrorAfter:F4}");
        Assert.True(after < before / 2, $"error on unseen samples {before:F4} -> {after:F4}");
        Assert.True(reconstruction.HeldOutWorstCosine > result.InitialHeldOutCosine);
        Assert.Empty(result.Epochs);
        Assert.Contains(lines, l => l.StartsWith($"reconstruct node '{layer.Node}'", StringComparison.Ordinal));
        // Only the weights change: the student keeps the pruned graph's nodes and shapes.
        Assert.Equal(pruned.Graph.Initializers.Select(v => (v.Name, string.Join(",", v.Initializer!.Dims))), student.Graph.Initializers.Select(v => (v.Name, string.Join(",", v.Initializer!.Dims))));
    }

    [Fact]
    public void Same_seed_and_data_give_identical_bytes()
    {
        var (teacher, shape) = Teacher("conv");
        using var _ = teacher;
        byte[] Distilled()
        {
            using var student = Pruned(teacher);
            new TorchDistiller().Distill(new DistillationRequest(teacher, student, Samples(shape, 48, 100), null, Samples(shape, 12, 200), null,
                new DistillationSettings { Epochs = 1, Seed = 5, LearningRate = 1e-3 }, null, _ => { }));
            return OnnxModelWriter.ToBytes(student);
        }
        var first = Distilled();
        Assert.Equal(first, Distilled());
        using var pruned = Pruned(teacher);
        Assert.NotEqual(OnnxModelWriter.ToBytes(pruned), first);
    }

    [Fact]
    public void Quantization_aware_fine_tuning_does_not_reconstruct()
    {
        var (teacher, shape) = Teacher("conv");
        using var _ = teacher;
        using var student = Pruned(teacher);
        var result = new TorchDistiller().Distill(new DistillationRequest(teacher, student, Samples(shape, 16, 100), null, Samples(shape, 4, 200), null,
            new DistillationSettings { Epochs = 0 }, new QuantizationSimulation(new Dictionary<string, FakeQuantization>(), new HashSet<string>(), new Dictionary<string, FakeQuantization>()), _ => { }));
        Assert.Null(result.Reconstruction);
    }

    /// <summary>
    /// conv: Conv 3→16 (3×3) → Relu → Conv 16→8 (3×3, the output); mlp: Gemm 24→32 → Relu →
    /// Gemm 32→6. The hidden layer is what structured pruning narrows; the last layer keeps its
    /// outputs (a graph output) and loses half its input channels.
    /// </summary>
    private static (OnnxModel Model, long[] InputShape) Teacher(string kind)
    {
        var b = new GraphBuilder(kind);
        if (kind == "conv")
        {
            long[] shape = [1, 3, 12, 12];
            var x = b.Input(Input, shape);
            var pads = NodeAttribute.FromInts("pads", [1, 1, 1, 1]);
            var hidden = b.Op("Relu", [b.Op("Conv", [x, W(b, "conv1.w", 0.3f, 16, 3, 3, 3), W(b, "conv1.b", 0.1f, 16)], "conv1", pads)], "relu1");
            b.Output(b.Op("Conv", [hidden, W(b, "conv2.w", 0.2f, 8, 16, 3, 3), W(b, "conv2.b", 0.1f, 8)], "y", pads, NodeAttribute.FromInts("strides", [2, 2])));
            return (b.Build(13), shape);
        }
        long[] vector = [1, 24];
        var v = b.Input(Input, vector);
        var h = b.Op("Relu", [b.Op("Gemm", [v, W(b, "fc1.w", 0.3f, 32, 24), W(b, "fc1.b", 0.1f, 32)], "fc1", NodeAttribute.FromInt("transB", 1))], "relu1");
        b.Output(b.Op("Gemm", [h, W(b, "fc2.w", 0.3f, 32, 6), W(b, "fc2.b", 0.1f, 6)], "y"));
        return (b.Build(13), vector);
    }

    private static OnnxModel Pruned(OnnxModel teacher)
    {
        var model = teacher.Clone();
        Assert.True(new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.5 }).Run(model).Modified);
        return model;
    }

    private static Value W(GraphBuilder b, string name, float scale, params long[] dims)
        => b.Weight(name, dims, Numbers.Uniform((int)dims.Aggregate(1L, (p, d) => p * d), seed: name.Sum(c => c), low: -scale, high: scale));

    private static List<Sample> Samples(long[] shape, int count, int seed)
        => [.. Enumerable.Range(0, count).Select(i => OrtLatency.ToSample(new FloatInput(Input, Numbers.Uniform((int)shape.Aggregate(1L, (p, d) => p * d), seed + i), shape)))];

    /// <summary>‖teacher − student‖² / ‖teacher‖² over <paramref name="samples"/>, both run by ONNX Runtime.</summary>
    private static double RelativeError(OnnxModel teacher, OnnxModel student, IEnumerable<Sample> samples)
    {
        double difference = 0, reference = 0;
        foreach (var sample in samples)
        {
            var tensor = sample.Tensors[0];
            var input = new FloatInput(Input, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray(), [.. tensor.Shape]);
            var t = OrtRunner.Run(teacher, input)[0];
            var s = OrtRunner.Run(student, input)[0];
            for (int i = 0; i < t.Length; i++)
            {
                difference += (t[i] - s[i]) * (double)(t[i] - s[i]);
                reference += t[i] * (double)t[i];
            }
        }
        return difference / reference;
    }
}
