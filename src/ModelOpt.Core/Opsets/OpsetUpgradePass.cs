using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Opsets;

/// <summary>
/// Moves a model's default-domain (<c>ai.onnx</c>) opset import up to <see cref="TargetVersion"/>,
/// rewriting the nodes whose operator schemas changed on the way (attributes that became
/// inputs, changed semantics, renamed operators) so that the model computes the same. Subgraphs
/// (If/Loop/Scan bodies) are rewritten with the rest. What it knows is the explicit table of
/// <see cref="OperatorHistories"/>; an operator or a use it does not know blocks the upgrade with
/// an error naming the nodes, and the model is left untouched. It never downgrades.
/// </summary>
public sealed class OpsetUpgradePass : IModelPass<OpsetUpgradeReport>
{
    private const int MaxListedNodes = 10;

    /// <summary>Creates the pass.</summary>
    /// <param name="targetVersion">The opset to reach, from <see cref="OldestSupportedSource"/>+1 to <see cref="NewestSupportedTarget"/>.</param>
    public OpsetUpgradePass(long targetVersion)
    {
        TargetVersion = targetVersion;
    }

    /// <summary>The oldest default-domain opset this pass upgrades from.</summary>
    public static int OldestSupportedSource => OperatorHistories.OldestSource;

    /// <summary>The newest opset this pass upgrades to.</summary>
    public static int NewestSupportedTarget => OperatorHistories.NewestTarget;

    /// <summary>The opset the model imports afterwards (unless it already imported a newer one).</summary>
    public long TargetVersion { get; }

    /// <inheritdoc/>
    public string Name => "OpsetUpgrade";

    /// <summary>None: this is the pass that meets opset requirements.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<OpsetUpgradeReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long? current = model.GetOpsetVersion("");
        if (current is null || current >= TargetVersion) return PassResult.Create(this, false, new OpsetUpgradeReport(current, current));
        CheckVersions(model, current.Value);

        var context = new UpgradeContext(model, NameScope.ForModel(model), this);
        var plan = Plan(context, current.Value);
        foreach (var (node, steps) in plan)
        {
            PassErrors.OnNode(this, model, node, () =>
            {
                var carrier = node;
                foreach (var step in steps)
                {
                    if (step.Apply is not null) carrier = step.Apply(context, carrier);
                }
                return carrier;
            });
        }

        model.SetOpsetVersion("", TargetVersion);
        RaiseIrVersion(model);
        return PassResult.Create(this, true, new OpsetUpgradeReport(current, TargetVersion));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    private void CheckVersions(OnnxModel model, long current)
    {
        if (TargetVersion > NewestSupportedTarget)
        {
            throw PassErrors.InModel(this, model, DiagnosticCode.OpsetVersionUnsupported,
                string.Create(CultureInfo.InvariantCulture, $"opset {TargetVersion} is newer than the newest this version upgrades to ({NewestSupportedTarget}). Choose a target of at most {NewestSupportedTarget}, or export the model at opset {TargetVersion} directly."));
        }
        if (current < OldestSupportedSource)
        {
            throw PassErrors.InModel(this, model, DiagnosticCode.OpsetVersionUnsupported,
                string.Create(CultureInfo.InvariantCulture, $"the model imports opset {current}; upgrades start from opset {OldestSupportedSource} (older opsets used legacy broadcasting and attributes). Re-export the model with opset {TargetVersion} or later."));
        }
        if (model.FunctionNames.Count > 0)
        {
            throw PassErrors.InModel(this, model, DiagnosticCode.OpsetVersionUnsupported,
                $"the model defines local functions ({string.Join(", ", model.FunctionNames)}), whose bodies import their own opsets and are not upgraded. Re-export the model with opset {TargetVersion.ToString(CultureInfo.InvariantCulture)} or later.");
        }
    }

    /// <summary>
    /// Finds, for every default-domain node, the schema changes it crosses, and checks every
    /// blocker before anything changes; all problems are reported together.
    /// </summary>
    private List<(Node Node, List<SchemaChange> Steps)> Plan(UpgradeContext context, long current)
    {
        var model = context.Model;
        var plan = new List<(Node, List<SchemaChange>)>();
        var unknown = new List<Node>();
        var blocked = new List<string>();
        foreach (var node in model.Graph.AllNodes().ToArray())
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx") continue;
            var history = OperatorHistories.Find(node.OpType);
            if (history is null)
            {
                unknown.Add(node);
                continue;
            }
            if (history.Since > current)
            {
                blocked.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{PassErrors.Describe(node, model)}: {node.OpType} only exists from opset {history.Since} on, so the model is invalid; re-export it"));
                continue;
            }
            var steps = Steps(history, current);
            foreach (var step in steps)
            {
                if (step.Blocker?.Invoke(context, node) is { } why)
                {
                    blocked.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{PassErrors.Describe(node, model)} cannot move to opset {step.Version} ({step.Summary}): {why}"));
                    break;
                }
            }
            if (steps.Count > 0) plan.Add((node, steps));
        }

        if (unknown.Count > 0)
        {
            var ops = unknown.Select(n => n.OpType).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            throw PassErrors.InModel(this, model, DiagnosticCode.OpsetUpgradeUnknownOperator,
                string.Create(CultureInfo.InvariantCulture,
                    $"cannot upgrade to opset {TargetVersion}: the upgrade has no knowledge of the operator(s) {string.Join(", ", ops)}, used by {List(unknown.Select(n => PassErrors.Describe(n, model)).ToList())}. Re-export the model with opset {TargetVersion} or later, or turn off the optimization that needs the newer opset for this model."));
        }
        if (blocked.Count > 0)
        {
            throw PassErrors.InModel(this, model, DiagnosticCode.OpsetUpgradeNotPossible,
                string.Create(CultureInfo.InvariantCulture, $"cannot upgrade to opset {TargetVersion}: {List(blocked)}."));
        }
        return plan;
    }

    /// <summary>The changes crossed from <paramref name="current"/> to the target, following renames.</summary>
    private List<SchemaChange> Steps(OperatorHistory history, long current)
    {
        var steps = new List<SchemaChange>();
        long version = current;
        var carrier = history;
        while (carrier is not null)
        {
            OperatorHistory? next = null;
            foreach (var change in carrier.Changes)
            {
                if (change.Version <= version || change.Version > TargetVersion) continue;
                steps.Add(change);
                if (change.RenamedTo is not null)
                {
                    next = OperatorHistories.Find(change.RenamedTo);
                    version = change.Version;
                    break;
                }
            }
            carrier = next;
        }
        return steps;
    }

    /// <summary>
    /// Raises the IR version to the lowest that carries the target opset. Crossing IR version 4
    /// also drops the graph inputs that only repeat initializers: IR 3 required every
    /// initializer to be listed as an input, while from IR 4 on such an input means "a default
    /// the caller may override", which would stop runtimes from treating the weights as constants.
    /// </summary>
    private void RaiseIrVersion(OnnxModel model)
    {
        long required = IrVersions.MinimumFor(TargetVersion);
        if (model.IrVersion >= required) return;
        if (model.IrVersion < 4)
        {
            model.Graph.Inputs.RemoveAll(v => v.Initializer is not null);
        }
        model.IrVersion = required;
    }

    private static string List(IReadOnlyList<string> items)
        => items.Count <= MaxListedNodes
            ? string.Join("; ", items)
            : string.Join("; ", items.Take(MaxListedNodes)) + string.Create(CultureInfo.InvariantCulture, $"; and {items.Count - MaxListedNodes} more");
}
