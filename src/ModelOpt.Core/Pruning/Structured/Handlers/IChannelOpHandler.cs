using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// How one family of operators moves channels: which constant slices hold them, which spaces
/// it couples, what layout its outputs carry. A handler that meets a case it cannot prove
/// correct marks the spaces involved unprunable with the reason instead of guessing.
/// </summary>
internal interface IChannelOpHandler
{
    /// <summary>The default-domain operator types handled.</summary>
    IReadOnlyList<string> OpTypes { get; }

    /// <summary>Records <paramref name="node"/>'s slices, couplings and output layouts in <paramref name="graph"/>.</summary>
    void Analyze(Node node, ChannelDependencyGraph graph);
}
