using ModelOpt.Core.Distillation;
using ModelOpt.Distillation.Execution;
using ModelOpt.Onnx.Ir;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// Layer-wise least-squares reconstruction, the first phase of distilling a structurally pruned
/// student (He et al. 2017, "Channel Pruning for Accelerating Very Deep Neural Networks"; Luo et
/// al. 2017, "ThiNet"): every Conv, Gemm or MatMul whose input or output channels pruning removed
/// (<see cref="LinearLayer"/>) gets the weights and bias that best map the student's input of
/// that layer to the teacher's output of the same layer (its own, pre-activation value; only the
/// channels the student kept), by ridge-regularized least squares on the training samples. Layers go
/// in graph order and each reads the student's inputs as the layers solved before it left them,
/// so later layers absorb the error that accumulated upstream.
/// </summary>
/// <remarks>
/// Why before the epochs: a least-squares solve per layer needs few samples (each spatial
/// position is a row) and overfits far less than gradient descent on the whole network does on a
/// handful of photographs. A solved layer is kept only when it lowers that layer's error on the
/// held-out samples; the ridge (pulling toward the pruned weights, a multiple of the mean diagonal
/// of AᵀA so it does not depend on scale) is the one of <see cref="RelativeRidges"/> with the
/// lowest held-out error. Memory: per layer two (columns)² float64 matrices (training, held-out;
/// columns = input channels × kernel area + 1, at most 4,609 in ResNet18, 170 MB each) plus the
/// activations of <see cref="PassBatch"/> samples; at most <see cref="PositionsPerSample"/>
/// spatial positions per sample enter the sums, chosen by a generator seeded with the
/// distillation's seed, so the result is reproducible.
/// </remarks>
internal static class LayerReconstructor
{
    /// <summary>The most output positions per sample and layer that enter the sums (all of them when fewer).</summary>
    public const int PositionsPerSample = 256;

    /// <summary>Samples per forward pass when the model takes batches.</summary>
    private const int PassBatch = 16;

    /// <summary>Candidate ridges, relative to the mean diagonal of AᵀA.</summary>
    private static readonly double[] RelativeRidges = [1e-3, 1e-2, 1e-1];

    /// <summary>
    /// Reconstructs the student's reduced layers in place (its parameters) and returns one record
    /// per layer considered, in graph order; none when no layer qualifies or there are no
    /// held-out samples to check the solutions on.
    /// </summary>
    public static IReadOnlyList<ReconstructedLayer> Run(OnnxModel teacherModel, OnnxModel studentModel, OnnxModule teacher, OnnxModule student,
        SampleBatches training, SampleBatches heldOut, bool batchable, int seed, Action<string> progress)
    {
        var layers = Layers(teacherModel, studentModel, teacher, student, training);
        if (layers.Count == 0) return [];
        if (heldOut.Count == 0)
        {
            progress($"reconstruction skipped: no held-out samples to check {layers.Count} layer(s) on");
            return [];
        }
        var parameters = student.InitializerParameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var records = new List<ReconstructedLayer>();
        for (int index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            using var scope = torch.NewDisposeScope();
            using var trainingSystem = Accumulate(layer, teacher, student, training, batchable, new Random(seed + 7919 * (index + 1)));
            using var heldOutSystem = Accumulate(layer, teacher, student, heldOut, batchable, new Random(seed - 7919 * (index + 1)));
            var current = layer.Matrix(parameters);
            double before = heldOutSystem.RelativeError(current);
            (TorchTensor Matrix, double Error, double Ridge)? best = null;
            foreach (double ridge in RelativeRidges)
            {
                var solved = trainingSystem.Solve(current, ridge, layer.Bias is not null);
                double error = heldOutSystem.RelativeError(solved);
                if (error < (best?.Error ?? before)) best = (solved, error, ridge);
            }
            if (best is { } chosen) layer.Write(chosen.Matrix, parameters);
            records.Add(new ReconstructedLayer(layer.Node.Name, before, best?.Error ?? before, best is not null));
            progress(best is { } kept
                ? FormattableString.Invariant($"reconstruct {layer.Node}: held-out error {before:F4} -> {kept.Error:F4} ({trainingSystem.Rows} rows, ridge {kept.Ridge:G1})")
                : FormattableString.Invariant($"reconstruct {layer.Node}: held-out error {before:F4}, no solution lowered it ({trainingSystem.Rows} rows); kept the pruned weights"));
        }
        return records;
    }

    /// <summary>The qualifying layers in graph order whose output has the teacher's shape (checked on the first training sample).</summary>
    private static List<LinearLayer> Layers(OnnxModel teacherModel, OnnxModel studentModel, OnnxModule teacher, OnnxModule student, SampleBatches training)
    {
        var teacherProducers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in teacherModel.Graph.Nodes)
        {
            foreach (var output in node.Outputs.OfType<Value>()) teacherProducers.TryAdd(output.Name, node);
        }
        var readers = studentModel.Graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Select(v => v.Name).Distinct(StringComparer.Ordinal))
            .GroupBy(name => name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var trainable = student.TrainableInitializerNames.ToHashSet(StringComparer.Ordinal);
        var candidates = studentModel.Graph.Nodes
            .Select(n => LinearLayer.TryCreate(n, teacherProducers, readers))
            .OfType<LinearLayer>()
            .Where(l => trainable.Contains(l.Weight) && (l.Bias is null || trainable.Contains(l.Bias)) && teacher.HasValue(l.Output) && student.HasValue(l.Input))
            .ToList();
        if (candidates.Count == 0 || training.Count == 0) return candidates;

        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var inputs = training.Batch([0]);
        var teacherValues = teacher.RunTo(inputs, candidates.Select(l => l.Output));
        var studentValues = student.RunTo(inputs, candidates.SelectMany(l => new[] { l.Input, l.Output }));
        return candidates.Where(l => l.StudentShape(teacherValues[l.Output].shape).SequenceEqual(studentValues[l.Output].shape)
            && l.Rows(studentValues[l.Input]).shape[^1] + (l.Bias is null ? 0 : 1) == l.Columns
            && l.Targets(teacherValues[l.Output]).shape[1] == l.Rows(studentValues[l.Input]).shape[1]).ToList();
    }

    /// <summary>The normal equations of <paramref name="layer"/> over <paramref name="samples"/>: the student's rows (as the module's weights now are) against the teacher's outputs.</summary>
    private static NormalEquations Accumulate(LinearLayer layer, OnnxModule teacher, OnnxModule student, SampleBatches samples, bool batchable, Random random)
    {
        var system = new NormalEquations(layer.Columns, layer.Outputs);
        int chunk = batchable ? PassBatch : 1;
        using var _ = torch.no_grad();
        for (int start = 0; start < samples.Count; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            var indices = Enumerable.Range(start, Math.Min(chunk, samples.Count - start)).ToArray();
            var inputs = samples.Batch(indices);
            var rows = layer.Rows(student.RunTo(inputs, [layer.Input])[layer.Input]);
            var targets = layer.Targets(teacher.RunTo(inputs, [layer.Output])[layer.Output]);
            long positions = rows.shape[1];
            var designs = new List<TorchTensor>();
            var outputs = new List<TorchTensor>();
            for (int b = 0; b < indices.Length; b++)
            {
                var chosen = torch.tensor(Positions(random, positions));
                designs.Add(rows[b].index_select(0, chosen));
                outputs.Add(targets[b].index_select(0, chosen));
            }
            var design = torch.cat(designs, 0);
            if (layer.Bias is not null) design = torch.cat([design, torch.ones(design.shape[0], 1, design.dtype)], 1);
            system.Add(design, torch.cat(outputs, 0));
        }
        return system;
    }

    /// <summary>At most <see cref="PositionsPerSample"/> distinct positions of <paramref name="count"/>, ascending (all when fewer).</summary>
    private static long[] Positions(Random random, long count)
    {
        var all = Enumerable.Range(0, (int)count).Select(i => (long)i).ToArray();
        if (count <= PositionsPerSample) return all;
        for (int i = 0; i < PositionsPerSample; i++)
        {
            int j = i + random.Next((int)count - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var chosen = all[..PositionsPerSample];
        Array.Sort(chosen);
        return chosen;
    }
}
