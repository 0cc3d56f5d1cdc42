using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Opsets;

/// <summary>What schema adapters need while they rewrite nodes: the model, fresh names, the pass for errors.</summary>
internal sealed class UpgradeContext(OnnxModel model, NameScope names, IModelPass pass)
{
    public OnnxModel Model { get; } = model;

    public NameScope Names { get; } = names;

    public IModelPass Pass { get; } = pass;

    /// <summary>Adds an initializer beside <paramref name="node"/> (in its graph), named after the node.</summary>
    public Value AddConstant(Node node, string suffix, Func<string, Tensor> create)
        => GraphEdits.AddInitializer(node.Graph!, Names, GraphEdits.BaseName(node) + "_" + suffix, create);
}
