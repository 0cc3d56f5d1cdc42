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
