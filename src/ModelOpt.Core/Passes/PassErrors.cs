using System.Globalization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// How passes name things in diagnostics: <c>pass 'OpsetUpgrade': node 'conv1' (Conv, opset 13): …</c>.
/// One place, so every pass reports failures the same way.
/// </summary>
public static class PassErrors
{
    /// <summary>The prefix every message of <paramref name="pass"/> starts with.</summary>
    public static string Prefix(IModelPass pass) => $"pass '{pass.Name}': ";

    /// <summary>
    /// Names a node with its operator and the opset it is read in, e.g.
    /// <c>node 'conv1' (Conv, opset 13)</c>; unnamed nodes are named by their first output.
    /// </summary>
    public static string Describe(Node node, OnnxModel model)
    {
        string op = node.Domain.Length == 0 ? node.OpType : node.Domain + "." + node.OpType;
        long? opset = model.GetOpsetVersion(node.Domain);
        string version = opset is null ? "" : string.Create(CultureInfo.InvariantCulture, $", opset {opset}");
        string name = node.Name.Length > 0
            ? $"node '{node.Name}'"
            : $"unnamed node producing '{node.Outputs.FirstOrDefault(o => o is not null)?.Name ?? "?"}'";
        return $"{name} ({op}{version})";
    }

    /// <summary>
    /// <paramref name="message"/> as a pipeline reports it: <c>pass 'X' (after A, B): …</c>, naming
    /// the passes that ran before <paramref name="pass"/>; the pass's own prefix is not repeated.
    /// </summary>
    internal static string InPipeline(IModelPass pass, IReadOnlyList<PassResult> ran, string message)
    {
        string prefix = Prefix(pass);
        string text = message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
        string after = ran.Count == 0 ? "" : $" (after {string.Join(", ", ran.Select(r => r.Pass.Name))})";
        return $"pass '{pass.Name}'{after}: {text}";
    }

    /// <summary>
    /// The precondition of a pass that writes operators of opset <paramref name="required"/>: a
    /// model that imports an older default-domain opset is refused with
    /// <see cref="DiagnosticCode.OpsetVersionUnsupported"/>. Inside a <see cref="PassPipeline"/>
    /// this never fires, since the pipeline upgrades the model first (<see cref="IModelPass.RequiredOpset"/>).
    /// </summary>
    public static void RequireOpset(IModelPass pass, OnnxModel model, long required, string why)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.GetOpsetVersion("") is { } opset && opset < required)
        {
            throw InModel(pass, model, DiagnosticCode.OpsetVersionUnsupported, string.Create(CultureInfo.InvariantCulture,
                $"the model imports opset {opset} and the pass needs opset {required} ({why}). Run the pass in a PassPipeline, which upgrades the model first, or run OpsetUpgradePass({required}) before it."));
        }
    }

    /// <summary>An expected failure of <paramref name="pass"/> at <paramref name="node"/>.</summary>
    public static ModelOptException AtNode(IModelPass pass, OnnxModel model, Node node, string code, string message)
        => new(code, model.SourcePath, $"{Prefix(pass)}{Describe(node, model)}: {message}");

    /// <summary>An expected failure of <paramref name="pass"/> that concerns the whole model.</summary>
    public static ModelOptException InModel(IModelPass pass, OnnxModel model, string code, string message)
        => new(code, model.SourcePath, Prefix(pass) + message);

    /// <summary>
    /// Runs <paramref name="action"/> for one node and turns an unexpected exception into
    /// <see cref="DiagnosticCode.PassFailed"/> naming the pass and the node, so a bug report says where.
    /// </summary>
    public static T OnNode<T>(IModelPass pass, OnnxModel model, Node node, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not ModelOptException)
        {
            throw new ModelOptException(DiagnosticCode.PassFailed, model.SourcePath,
                $"{Prefix(pass)}{Describe(node, model)}: failed unexpectedly: {e.GetType().Name}: {e.Message}. This is a bug in ModelOpt; please report it with the model.", e);
        }
    }
}
