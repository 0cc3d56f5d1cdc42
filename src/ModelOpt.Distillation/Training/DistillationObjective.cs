using ModelOpt.Core.Distillation;
using ModelOpt.Onnx.Ir;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// The training loss of one batch, chosen per output when the distillation starts:
/// <list type="bullet">
/// <item>a classification-shaped output ([batch, classes], classes &gt; 1) under <c>KL</c> or
/// <c>Auto</c>: T²·KL(softmax(t/T) ‖ softmax(s/T)) (Hinton et al. 2015; T² keeps the gradients'
/// size independent of T); an output that is already a Softmax is read as log-probabilities;</item>
/// <item>with labels, the first classification output adds cross-entropy:
/// α·distillation + (1−α)·CE;</item>
/// <item>every other output (and every output under <c>MSE</c>): the mean squared error divided by
/// the teacher's mean square, so outputs of any scale weigh alike;</item>
/// <item>under <c>Auto</c>, intermediate values the student kept at the teacher's shape add the
/// same normalized MSE, averaged, with weight one (feature distillation, Romero et al. 2015,
/// "FitNets").</item>
/// </list>
/// </summary>
internal sealed class DistillationObjective
{
    /// <summary>The most intermediate values matched: evenly spaced over the graph, so early and late features both count.</summary>
    public const int MaxFeatures = 16;

    private readonly DistillationSettings _settings;
    private readonly (string Name, bool Classification, bool IsProbability)[] _outputs;

    private DistillationObjective(DistillationSettings settings, (string, bool, bool)[] outputs, IReadOnlyList<string> features)
    {
        _settings = settings;
        _outputs = outputs;
        Features = features;
    }

    /// <summary>The intermediate values matched between teacher and student.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>True when the loss uses labels (given, and an output is classification-shaped).</summary>
    public bool UsesLabels { get; private init; }

    /// <summary>
    /// The objective for <paramref name="student"/>, from the outputs of one probe batch of the
    /// teacher and the student (<paramref name="teacherProbe"/>, <paramref name="studentProbe"/>:
    /// outputs and every candidate feature) that tell shapes.
    /// </summary>
    public static DistillationObjective Create(DistillationSettings settings, OnnxModel student, IReadOnlyList<string> outputNames,
        IReadOnlyDictionary<string, TorchTensor> teacherProbe, IReadOnlyDictionary<string, TorchTensor> studentProbe, bool haveLabels)
    {
        var producers = student.Graph.Nodes.SelectMany(n => n.Outputs.OfType<Value>().Select(v => (v.Name, n.OpType)))
            .GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().OpType, StringComparer.Ordinal);
        var outputs = outputNames.Select(name =>
        {
            var t = teacherProbe[name];
            bool classification = settings.Loss != DistillationLoss.MSE && t.dim() == 2 && t.shape[1] > 1 && t.is_floating_point();
            return (name, classification, producers.GetValueOrDefault(name) == "Softmax");
        }).ToArray();
        var features = settings.Loss == DistillationLoss.Auto
            ? Spread(teacherProbe.Keys.Where(k => !outputNames.Contains(k) && studentProbe.TryGetValue(k, out var s)
                && teacherProbe[k].is_floating_point() && s.shape.SequenceEqual(teacherProbe[k].shape) && s.numel() > 1).ToArray(), MaxFeatures)
            : [];
        return new DistillationObjective(settings, outputs, features) { UsesLabels = haveLabels && outputs.Any(o => o.classification) };
    }

    /// <summary>
    /// Candidate feature names of a teacher whose values also exist in the student: the outputs
    /// of compute nodes, in graph order (the probe then keeps the ones whose shapes match).
    /// </summary>
    public static string[] FeatureCandidates(OnnxModel teacher, OnnxModel student, IReadOnlyList<string> outputNames)
    {
        var studentValues = student.Graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        return [.. teacher.Graph.Nodes
            .Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" or "Add" or "Relu" or "Clip" or "Concat" or "LayerNormalization" or "GlobalAveragePool" or "MaxPool" or "AveragePool")
            .SelectMany(n => n.Outputs).OfType<Value>()
            .Select(v => v.Name)
            .Where(name => studentValues.Contains(name) && !outputNames.Contains(name))];
    }

    /// <summary>The loss of one batch: teacher values (no gradient), student values, labels or null.</summary>
    public TorchTensor Loss(IReadOnlyDictionary<string, TorchTensor> teacher, IReadOnlyDictionary<string, TorchTensor> student, TorchTensor? labels)
    {
        TorchTensor? total = null;
        bool labelled = false;
        foreach (var (name, classification, isProbability) in _outputs)
        {
            var t = teacher[name];
            var s = student[name];
            TorchTensor term;
            if (classification)
            {
                var studentLogits = isProbability ? s.clamp_min(1e-12).log() : s;
                var teacherLogits = isProbability ? t.clamp_min(1e-12).log() : t;
                term = KnowledgeDistillation(teacherLogits, studentLogits);
                if (labels is not null && !labelled)
                {
                    labelled = true;
                    var crossEntropy = -torch.nn.functional.log_softmax(studentLogits, 1).gather(1, labels.unsqueeze(1)).mean();
                    term = _settings.Alpha * term + (1 - _settings.Alpha) * crossEntropy;
                }
            }
            else
            {
                term = NormalizedSquaredError(t, s);
            }
            total = total is null ? term : total + term;
        }
        if (Features.Count > 0)
        {
            TorchTensor? features = null;
            foreach (string name in Features)
            {
                var term = NormalizedSquaredError(teacher[name], student[name]);
                features = features is null ? term : features + term;
            }
            total = total! + features! / Features.Count;
        }
        return total!;
    }

    private TorchTensor KnowledgeDistillation(TorchTensor teacherLogits, TorchTensor studentLogits)
    {
        double temperature = _settings.Temperature;
        var teacherLog = torch.nn.functional.log_softmax(teacherLogits / temperature, 1);
        var studentLog = torch.nn.functional.log_softmax(studentLogits / temperature, 1);
        var kl = (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean();
        return kl * (temperature * temperature);
    }

    private static TorchTensor NormalizedSquaredError(TorchTensor teacher, TorchTensor student)
    {
        var t = teacher.to_type(torch.ScalarType.Float32);
        var s = student.to_type(torch.ScalarType.Float32);
        return (s - t).pow(2).mean() / (t.pow(2).mean() + 1e-8);
    }

    private static string[] Spread(string[] names, int count)
        => names.Length <= count ? names : [.. Enumerable.Range(0, count).Select(i => names[(int)((long)i * (names.Length - 1) / (count - 1))]).Distinct()];
}
