using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Opsets;

/// <summary>
/// One new version of an operator's schema and what it takes to move a node across it.
/// A change without <see cref="Apply"/> leaves the node as it is: the new version computes
/// the same for every model the old one accepted (more types, negative axes, new attributes
/// whose defaults keep the old behaviour).
/// </summary>
/// <param name="Version">The opset in which this schema version appeared.</param>
/// <param name="Summary">What changed, for the reader of the table and of error messages.</param>
internal sealed record SchemaChange(int Version, string Summary)
{
    /// <summary>Says why a node cannot take this step (null when it can); runs before anything is changed.</summary>
    public Func<UpgradeContext, Node, string?>? Blocker { get; init; }

    /// <summary>Rewrites the node for the new version and returns the node that now carries the operator.</summary>
    public Func<UpgradeContext, Node, Node>? Apply { get; init; }

    /// <summary>Set when the operator is replaced by another one at this version (Upsample becomes Resize).</summary>
    public string? RenamedTo { get; init; }
}
