using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// The nodes a pass must leave as they are (item metadata <c>ExcludeNodes</c> and
/// <c>ExcludeOpTypes</c>), with one meaning in every pass: a node is excluded when its identity
/// (<see cref="IdentityOf"/>, the name every report lists it by) is among <see cref="Nodes"/>, or
/// its operator type among <see cref="OpTypes"/>. One place, so that a name copied from any
/// report excludes that node in every pass.
/// </summary>
public sealed class NodeFilter
{
    /// <summary>The reason a node excluded by name is given.</summary>
    public const string ExcludedByName = "excluded by ExcludeNodes";

    /// <summary>The reason a node excluded by operator type is given.</summary>
    public const string ExcludedByOpType = "excluded by ExcludeOpTypes";

    /// <summary>The reason a node the accuracy gate's fallback keeps in float is given.</summary>
    public const string KeptForAccuracy = "kept in float: among the nodes that added the most error when the model failed the accuracy gate quantized (AccuracyFallback)";

    private readonly HashSet<string> _nodes;
    private readonly HashSet<string> _opTypes;
    private readonly HashSet<string> _keptForAccuracy;
    private readonly Dictionary<string, string> _keptWithReason;

    /// <summary>Creates the filter; names and operator types compare ordinally (ONNX names are case-sensitive).</summary>
    /// <param name="nodes">ExcludeNodes.</param>
    /// <param name="opTypes">ExcludeOpTypes.</param>
    /// <param name="keptForAccuracy">Nodes the engine keeps in float so that the model passes the accuracy gate (not the user's choice; reported as such).</param>
    /// <param name="keptWithReason">Nodes the engine keeps in float for a reason of their own (a weight holding NaN, <see cref="NonFiniteWeights"/>), by identity; reported with that reason.</param>
    public NodeFilter(IEnumerable<string>? nodes = null, IEnumerable<string>? opTypes = null, IEnumerable<string>? keptForAccuracy = null,
        IEnumerable<KeyValuePair<string, string>>? keptWithReason = null)
    {
        _keptWithReason = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, reason) in keptWithReason ?? []) _keptWithReason.TryAdd(node, reason);
        _keptForAccuracy = new HashSet<string>(keptForAccuracy ?? [], StringComparer.Ordinal);
        Nodes = (nodes ?? []).Concat(_keptForAccuracy.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        OpTypes = (opTypes ?? []).Distinct(StringComparer.Ordinal).ToArray();
        _nodes = new HashSet<string>(Nodes, StringComparer.Ordinal);
        _opTypes = new HashSet<string>(OpTypes, StringComparer.Ordinal);
    }

    /// <summary>The filter that excludes nothing.</summary>
    public static NodeFilter None { get; } = new();

    /// <summary>The node identities excluded, in the order given.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The operator types excluded, in the order given.</summary>
    public IReadOnlyList<string> OpTypes { get; }

    /// <summary>A filter that excludes the nodes with these identities.</summary>
    public static NodeFilter ForNodes(params string[] nodes) => new(nodes);

    /// <summary>A filter that excludes the nodes of these operator types.</summary>
    public static NodeFilter ForOpTypes(params string[] opTypes) => new(opTypes: opTypes);

    /// <summary>
    /// How reports name <paramref name="node"/> and how <see cref="Nodes"/> matches it: its name,
    /// else (ONNX allows unnamed nodes) its first output's, which is unique in a valid graph; a
    /// node with neither is named by its operator type.
    /// </summary>
    public static string IdentityOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        // The same name the passes derive new names from, so a report never names a node two ways.
        return GraphEdits.BaseName(node);
    }

    /// <summary>Why <paramref name="node"/> is excluded (<see cref="ExcludedByName"/>, <see cref="ExcludedByOpType"/>, or the reason it was kept with), or null when it is not.</summary>
    public string? Exclusion(Node node)
    {
        string identity = IdentityOf(node);
        if (_nodes.Contains(identity)) return _keptForAccuracy.Contains(identity) ? KeptForAccuracy : ExcludedByName;
        if (_opTypes.Contains(node.OpType)) return ExcludedByOpType;
        return _keptWithReason.GetValueOrDefault(identity);
    }

    /// <summary>True when <paramref name="node"/> is excluded.</summary>
    public bool Excludes(Node node) => Exclusion(node) is not null;
}
