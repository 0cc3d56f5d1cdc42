using System.Diagnostics;
using System.Globalization;
using ModelOpt.Core.Distillation;
using ModelOpt.Distillation.Execution;
using ModelOpt.Distillation.Loading;
using ModelOpt.Onnx.Diagnostics;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// Knowledge distillation with TorchSharp: teacher and student become <see cref="OnnxModule"/>s;
/// a structurally pruned student first has its reduced layers solved by least squares
/// (<see cref="LayerReconstructor"/>), then the student's float initializers are trained with Adam on the teacher's outputs
/// (<see cref="DistillationObjective"/>), each epoch is judged on the held-out samples by the
/// gate's own metric (worst cosine per sample and output), and the student keeps the weights of
/// its best epoch — or its own, when no epoch beat them. With a
/// <see cref="QuantizationSimulation"/> the student's forward pass rounds weights and activations
/// as its quantized model will (<see cref="FakeQuantizer"/>): quantization-aware fine-tuning.
/// </summary>
/// <remarks>
/// Reproducible: the shuffling and the augmentation come from <see cref="Random"/> seeded with
/// <see cref="DistillationSettings.Seed"/>, libtorch's generator is seeded too, and nothing runs
/// in training mode that draws random numbers (the modules stay in evaluation mode, so Dropout is
/// off and BatchNormalization, already folded into its Conv by the pipeline, uses its running
/// statistics). The same seed on the same machine gives the same bytes.
/// </remarks>
public sealed class TorchDistiller : IModelDistiller
{
    /// <summary>Held-out samples judged per forward pass, where the model takes batches.</summary>
    private const int JudgeBatch = 64;

    /// <inheritdoc/>
    public DistillationResult Distill(DistillationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        TorchSharpLoader.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var settings = request.Settings;
        torch.manual_seed(settings.Seed);

        using var teacher = OnnxModule.Create(request.Teacher);
        using var student = OnnxModule.Create(request.Student);
        teacher.eval();
        student.eval();
        using var training = new SampleBatches(request.Student, request.Training);
        using var heldOut = new SampleBatches(request.Student, request.HeldOut);
        if (training.Count == 0) throw new ModelOptException(DiagnosticCode.TrainingDataMissing, request.Student.SourcePath, "distillation got no training samples.");

        var outputs = student.OutputNames.Where(teacher.HasValue).ToArray();
        var parameters = student.InitializerParameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var simulation = request.Simulation;
        var weightSimulation = simulation?.Weights.Where(w => parameters.ContainsKey(w.Key)).ToArray() ?? [];
        var activationSimulation = Transforms(simulation, student);

        bool batchable = Batchable(teacher, training);
        int chunk = batchable ? Math.Min(settings.BatchSize, training.Count) : 1;
        var objective = Probe(settings, request, teacher, student, training, outputs, request.TrainingLabels is not null);

        int judgeChunk = Batchable(teacher, heldOut) ? JudgeBatch : 1;
        var (initialCosine, initialAccuracy) = Judge(teacher, student, heldOut, request.HeldOutLabels, outputs, weightSimulation, activationSimulation, parameters, judgeChunk);
        var best = (Cosine: initialCosine, Epoch: 0);
        ReconstructionResult? reconstruction = null;
        if (simulation is null)
        {
            // A structurally pruned student first gets its reduced layers solved by least squares; the epochs start from there.
            var reconstructionClock = Stopwatch.StartNew();
            var layers = LayerReconstructor.Run(request.Teacher, request.Student, teacher, student, training, heldOut, batchable, settings.Seed, request.Progress);
            if (layers.Count > 0)
            {
                var (cosine, accuracy) = Judge(teacher, student, heldOut, request.HeldOutLabels, outputs, weightSimulation, activationSimulation, parameters, judgeChunk);
                reconstruction = new ReconstructionResult(layers, cosine, reconstructionClock.Elapsed.TotalSeconds);
                best = (cosine, 0);
                request.Progress(string.Create(CultureInfo.InvariantCulture,
                    $"reconstruction: {reconstruction.ReconstructedCount} of {layers.Count} layer(s) reconstructed, held-out worst cosine {initialCosine:F4} -> {cosine:F4}{(accuracy is { } a ? $", accuracy {a:P1}" : "")}, {reconstruction.Seconds:F1} s"));
            }
        }
        var snapshot = Snapshot(parameters);

        using var optimizer = torch.optim.Adam(parameters.Values, settings.LearningRate);
        // Cosine decay to zero over every step of every epoch (Loshchilov and Hutter 2017, "SGDR"):
        // the late epochs refine instead of jumping around the minimum, so the best epoch is a late one.
        int stepsPerEpoch = (training.Count + settings.BatchSize - 1) / settings.BatchSize;
        var schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, Math.Max(1, settings.Epochs * stepsPerEpoch));
        var random = new Random(settings.Seed);
        var augmentation = new ImageAugmentation(settings.Seed);
        var epochs = new List<EpochRecord>();
        bool stopped = false;
        long trained = 0;
        double trainingSeconds = 0;
        var order = Enumerable.Range(0, training.Count).ToArray();
        for (int epoch = 1; epoch <= settings.Epochs && !stopped; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            random.Shuffle(order);
            double lossSum = 0;
            int steps = 0;
            for (int start = 0; start < order.Length; start += settings.BatchSize)
            {
                var step = order.AsSpan(start, Math.Min(settings.BatchSize, order.Length - start)).ToArray();
                optimizer.zero_grad();
                double stepLoss = 0;
                for (int offset = 0; offset < step.Length; offset += chunk)
                {
                    var part = step.AsSpan(offset, Math.Min(chunk, step.Length - offset)).ToArray();
                    using var scope = torch.NewDisposeScope();
                    var inputs = training.Batch(part, augmentation.Apply);
                    IReadOnlyDictionary<string, TorchTensor> teacherValues;
                    using (torch.no_grad()) teacherValues = teacher.Run(inputs, objective.Features);
                    var studentValues = student.Run(WithSimulatedWeights(inputs, weightSimulation, parameters), objective.Features, activationSimulation);
                    var labels = objective.UsesLabels ? torch.tensor(part.Select(i => (long)request.TrainingLabels![i]).ToArray()) : null;
                    var loss = objective.Loss(teacherValues, studentValues, labels) * ((double)part.Length / step.Length);
                    loss.backward();
                    stepLoss += loss.item<float>();
                }
                optimizer.step();
                schedule.step();
                lossSum += stepLoss;
                steps++;
                trained += step.Length;
                if (settings.TimeBudgetSeconds > 0 && clock.Elapsed.TotalSeconds > settings.TimeBudgetSeconds
                    && !(epoch == settings.Epochs && start + settings.BatchSize >= order.Length))
                {
                    stopped = true;
                    break;
                }
            }
            trainingSeconds += epochClock.Elapsed.TotalSeconds;
            var (cosine, accuracy) = Judge(teacher, student, heldOut, request.HeldOutLabels, outputs, weightSimulation, activationSimulation, parameters, judgeChunk);
            epochs.Add(new EpochRecord(epoch, lossSum / Math.Max(1, steps), cosine, accuracy));
            if (cosine > best.Cosine)
            {
                best = (cosine, epoch);
                Dispose(snapshot);
                snapshot = Snapshot(parameters);
            }
            request.Progress(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{settings.Epochs}: loss {lossSum / Math.Max(1, steps):G4}, held-out worst cosine {cosine:F4}{(accuracy is { } a ? $", accuracy {a:P1}" : "")}, {trained / Math.Max(1e-9, trainingSeconds):F0} samples/s{(stopped ? " (DistillTimeBudget reached)" : "")}"));
        }

        Restore(parameters, snapshot);
        Dispose(snapshot);
        student.WriteBack(request.Student);
        return new DistillationResult(epochs, best.Epoch, clock.Elapsed.TotalSeconds, trained / Math.Max(1e-9, trainingSeconds), "cpu", stopped, initialCosine, initialAccuracy, reconstruction);
    }

    /// <summary>Whether samples can share a batch: same shapes, and a two-sample batch gives two-sample outputs (exporters often fix the batch at 1 in a Reshape).</summary>
    private static bool Batchable(OnnxModule teacher, SampleBatches training)
    {
        if (training.Count < 2 || !training.SameShapes) return false;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        try
        {
            var outputs = teacher.Run(training.Batch([0, 1]), []);
            return outputs.Values.All(o => o.dim() > 0 && o.shape[0] == 2);
        }
        catch (ModelOptException)
        {
            return false;
        }
    }

    private static DistillationObjective Probe(DistillationSettings settings, DistillationRequest request, OnnxModule teacher, OnnxModule student,
        SampleBatches training, IReadOnlyList<string> outputs, bool haveLabels)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var candidates = settings.Loss == DistillationLoss.Auto
            ? DistillationObjective.FeatureCandidates(request.Teacher, request.Student, outputs).Where(n => teacher.HasValue(n) && student.HasValue(n)).ToArray()
            : [];
        var inputs = training.Batch([0]);
        return DistillationObjective.Create(settings, request.Student, outputs, teacher.Run(inputs, candidates), student.Run(inputs, candidates), haveLabels);
    }

    /// <summary>
    /// The gate's metric on the held-out samples: the worst cosine over samples and outputs (each
    /// sample's output compared on its own, as the gate does), and top-1 accuracy with labels.
    /// Samples run <paramref name="chunk"/> at a time.
    /// </summary>
    private static (double WorstCosine, double? Accuracy) Judge(OnnxModule teacher, OnnxModule student, SampleBatches heldOut, IReadOnlyList<int>? labels,
        IReadOnlyList<string> outputs, KeyValuePair<string, FakeQuantization>[] weights, IReadOnlyDictionary<string, Func<TorchTensor, TorchTensor>> activations,
        IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters, int chunk)
    {
        double worst = 1;
        int correct = 0;
        using var _ = torch.no_grad();
        for (int start = 0; start < heldOut.Count; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            var indices = Enumerable.Range(start, Math.Min(chunk, heldOut.Count - start)).ToArray();
            var inputs = heldOut.Batch(indices);
            var t = teacher.Run(inputs, []);
            var s = student.Run(WithSimulatedWeights(inputs, weights, parameters), [], activations);
            foreach (string name in outputs) worst = Math.Min(worst, WorstRowCosine(t[name], s[name], indices.Length));
            if (labels is not null && outputs.Select(n => s[n]).FirstOrDefault(o => o.dim() == 2 && o.shape[1] > 1) is { } logits)
            {
                var predicted = logits.argmax(1).data<long>().ToArray();
                for (int i = 0; i < indices.Length; i++) if (predicted[i] == labels[indices[i]]) correct++;
            }
        }
        return (worst, labels is null || heldOut.Count == 0 ? null : (double)correct / heldOut.Count);
    }

    /// <summary>The smallest cosine between the rows of a batch of <paramref name="rows"/> samples (both zero: 1; one zero: 0).</summary>
    private static double WorstRowCosine(TorchTensor a, TorchTensor b, int rows)
    {
        var x = a.to_type(torch.ScalarType.Float64).reshape(rows, -1);
        var y = b.to_type(torch.ScalarType.Float64).reshape(rows, -1);
        var nx = x.norm(1).data<double>().ToArray();
        var ny = y.norm(1).data<double>().ToArray();
        var dots = (x * y).sum(1).data<double>().ToArray();
        double worst = 1;
        for (int i = 0; i < rows; i++)
        {
            double cosine = nx[i] == 0 && ny[i] == 0 ? 1 : nx[i] == 0 || ny[i] == 0 ? 0 : dots[i] / (nx[i] * ny[i]);
            worst = Math.Min(worst, cosine);
        }
        return worst;
    }

    private static Dictionary<string, TorchTensor> WithSimulatedWeights(Dictionary<string, TorchTensor> inputs,
        KeyValuePair<string, FakeQuantization>[] weights, IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters)
    {
        foreach (var (name, quantization) in weights) inputs[name] = FakeQuantizer.Weight(parameters[name], quantization);
        return inputs;
    }

    private static Dictionary<string, Func<TorchTensor, TorchTensor>> Transforms(QuantizationSimulation? simulation, OnnxModule student)
    {
        var transforms = new Dictionary<string, Func<TorchTensor, TorchTensor>>(StringComparer.Ordinal);
        if (simulation is null) return transforms;
        foreach (var (name, quantization) in simulation.Activations.Where(a => student.HasValue(a.Key)))
        {
            transforms[name] = x => x.is_floating_point() ? FakeQuantizer.Calibrated(x, quantization) : x;
        }
        foreach (string name in simulation.DynamicActivations.Where(student.HasValue))
        {
            transforms[name] = x => x.is_floating_point() ? FakeQuantizer.Dynamic(x) : x;
        }
        return transforms;
    }

    private static Dictionary<string, TorchTensor> Snapshot(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters)
    {
        using var _ = torch.no_grad();
        return parameters.ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    private static void Restore(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters, Dictionary<string, TorchTensor> snapshot)
    {
        using var _ = torch.no_grad();
        foreach (var (name, value) in snapshot) parameters[name].copy_(value);
    }

    private static void Dispose(Dictionary<string, TorchTensor> snapshot)
    {
        foreach (var tensor in snapshot.Values) tensor.Dispose();
    }
}
