using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Quantization;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Gate;

/// <summary>
/// Mixed precision that the accuracy gate asks for: when a quantized model fails the gate, the
/// nodes that add the most error are kept in float and the model is made again, with more of
/// them each round — a tenth of the quantized nodes, then a fifth, a third, a half — until it
/// passes; then the last round's additions are bisected for the fewest that still pass. Each round ranks the nodes of the newest trial again (per-node error against the
/// original, <see cref="ValueSensitivity.LocalErrorIncrease"/>), so a node whose error only
/// showed once the worst ones were gone is found too; kept nodes stay kept. This is the
/// accuracy-aware search of NNCF's quantize_with_accuracy_control and Neural Compressor's tuning,
/// inside the build: on real detectors (M-LSD, PP-OCR's DB head) the error of int8 accumulates
/// over dozens of layers, and no single layer explains it.
/// </summary>
/// <remarks>
/// Deterministic: the rounds, the samples and the ranking (ties broken by node name) are fixed.
/// Used by <c>Auto</c> for every mode it tries and, with <c>AccuracyFallback</c> (default true),
/// by the explicit modes.
/// </remarks>
internal sealed class FloatFallbackSearch
{
    /// <summary>The fraction of the first trial's quantized nodes kept in float after each round.</summary>
    public static IReadOnlyList<double> Rounds { get; } = [0.1, 0.2, 1.0 / 3, 0.5];

    // Per-node error exposes every intermediate value; two samples rank the nodes well enough.
    private const int SensitivitySamples = 2;

    private readonly JobContext _context;
    private readonly PreparedModel _prepared;
    private readonly ModelGate _gate;

    /// <summary>A search for the job of <paramref name="context"/>, whose prefix is <paramref name="prepared"/>.</summary>
    public FloatFallbackSearch(JobContext context, PreparedModel prepared, ModelGate gate)
    {
        _context = context;
        _prepared = prepared;
        _gate = gate;
    }

    /// <summary>
    /// Keeps more nodes of <paramref name="failed"/>'s mode in float each round until a model
    /// passes; returns it, or null when none did, when the passing one quantizes nothing (or there
    /// was nothing to rank). Every trial but the
    /// returned one goes to <paramref name="discard"/>, <paramref name="failed"/> excepted: it stays the caller's.
    /// </summary>
    /// <param name="failed">The model that failed the gate with nothing kept in float.</param>
    /// <param name="attempt">Makes and checks the model of a configuration name and a set of nodes kept in float; null when it cannot be made.</param>
    /// <param name="discard">Releases a trial the search no longer needs.</param>
    /// <param name="overBudget">Whether the time for trials is spent.</param>
    public Candidate? Run(Candidate failed, Func<string, IReadOnlyList<string>, Candidate?> attempt, Action<Candidate> discard, Func<bool> overBudget)
    {
        int quantizedCount = Quantized(failed).Count;
        if (quantizedCount == 0 || _gate.Inputs is null) return null;
        var kept = new List<string>();
        var current = failed;
        foreach (double fraction in Rounds)
        {
            int target = Math.Max(1, (int)Math.Ceiling(quantizedCount * fraction));
            if (target <= kept.Count) continue;
            if (overBudget()) break;
            var added = MostSensitive(current).Where(n => !kept.Contains(n, StringComparer.Ordinal)).Take(target - kept.Count).ToList();
            if (added.Count == 0) break;
            var previous = kept.ToList();
            kept.AddRange(added);
            var next = attempt(Configuration(failed.QuantizedWith, kept.Count), [.. kept]);
            if (current != failed) discard(current);
            if (next is null) return null;
            if (next.Check.Passed)
            {
                var trimmed = Trim(failed.QuantizedWith, previous, added, next, attempt, discard, overBudget);
                if (!trimmed.QuantizesNothing) return trimmed;
                // Everything ended in float (the nodes left between kept ones had no quantized
                // neighbours): that is the original under the mode's name, not a passing model.
                discard(trimmed);
                return null;
            }
            current = next;
        }
        if (current != failed) discard(current);
        return null;
    }

    /// <summary>
    /// The round that passed kept <paramref name="added"/> (most sensitive first) on top of
    /// <paramref name="previous"/>, which failed; fewer of them may do, and every node kept in
    /// float gives back int8 speed. Bisects for the shortest passing prefix of
    /// <paramref name="added"/>, to within an eighth of it (at most three more trials).
    /// </summary>
    private static Candidate Trim(QuantizeMode mode, List<string> previous, List<string> added, Candidate passing,
        Func<string, IReadOnlyList<string>, Candidate?> attempt, Action<Candidate> discard, Func<bool> overBudget)
    {
        int failing = 0, passes = added.Count;
        int resolution = Math.Max(1, added.Count / 8);
        while (passes - failing > resolution && !overBudget())
        {
            int middle = (failing + passes) / 2;
            var trial = attempt(Configuration(mode, previous.Count + middle), [.. previous, .. added.Take(middle)]);
            if (trial is null) break;
            if (trial.Check.Passed)
            {
                discard(passing);
                passing = trial;
                passes = middle;
            }
            else
            {
                discard(trial);
                failing = middle;
            }
        }
        return passing;
    }

    private static string Configuration(QuantizeMode mode, int kept)
        => string.Create(CultureInfo.InvariantCulture, $"{mode}, {kept} most sensitive node{(kept == 1 ? "" : "s")} in float");

    /// <summary>
    /// The quantized nodes of <paramref name="candidate"/>, most error first (ties by name). A Relu
    /// or Clip merged into the node before it stands for that node: its output is where the
    /// pair's 8-bit rounding shows, and keeping the activation alone in float would only move the
    /// rounding before it, onto the wider range it clips (worse, not better).
    /// </summary>
    private List<string> MostSensitive(Candidate candidate)
    {
        var quantized = Quantized(candidate);
        var byName = candidate.Model.Graph.Nodes.GroupBy(GraphEdits.BaseName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var sensitivity = NodeSensitivity.Measure(_context.Sessions, candidate.Outcome.RescaledFloat ?? _prepared.Reference, candidate.Model, _gate.Inputs!, SensitivitySamples);
        return sensitivity.Where(s => quantized.Contains(s.Node))
            .OrderByDescending(s => double.IsNaN(s.LocalErrorIncrease) ? double.MaxValue : s.LocalErrorIncrease).ThenBy(s => s.Node, StringComparer.Ordinal)
            .Select(s => MergedInto(byName.GetValueOrDefault(s.Node), quantized) ?? s.Node).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string? MergedInto(Node? activation, HashSet<string> quantized)
        => activation is { OpType: "Relu" or "Clip" } && activation.Inputs[0]?.Producer is { } producer && quantized.Contains(GraphEdits.BaseName(producer))
            ? GraphEdits.BaseName(producer)
            : null;

    private static HashSet<string> Quantized(Candidate candidate)
        => candidate.Outcome.Nodes.Where(n => n.Precision != NodePrecision.Float).Select(n => n.NodeName).ToHashSet(StringComparer.Ordinal);
}
