using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Structured.Handlers;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured;

/// <summary>
/// Which channels of a model must be removed together (the dependency graph of Torch-Pruning,
/// Fang et al. 2023, "DepGraph"). Every layer that creates channels (Conv, Gemm, MatMul with a
/// constant weight) opens a <em>channel space</em>; per-op handlers follow each space through
/// the graph, record the constant slices that hold it (the layer's output rows, the consumers'
/// input columns, biases, normalization parameters) and merge spaces that an elementwise join
/// (residual Add, squeeze-and-excitation Mul) forces to stay aligned. Merged spaces form a
/// group, pruned as one. A group is unprunable when any of its channels reaches a graph output,
/// is read by an op no handler understands, or meets a value from outside any prunable layer;
/// the reasons are kept for the report, never guessed around. A graph output may instead be
/// zero-filled back to its shape (see <see cref="StructuredPruningOptions.PruneOutputChannels"/>).
/// </summary>
internal sealed class ChannelDependencyGraph
{
    private readonly List<int> _parent = [];
    private readonly List<int> _counts = [];
    private readonly List<int> _chunks = [];
    private readonly List<int> _periods = [];
    private readonly List<Node> _sources = [];
    private readonly Dictionary<int, List<string>> _reasons = [];
    private readonly Dictionary<Value, ChannelLayout> _layouts = [];
    private readonly HashSet<Node> _understood = [];

    private readonly bool _pruneOutputChannels;

    private ChannelDependencyGraph(OnnxModel model, bool pruneOutputChannels)
    {
        Model = model;
        _pruneOutputChannels = pruneOutputChannels;
    }

    /// <summary>The model analysed.</summary>
    public OnnxModel Model { get; }

    /// <summary>Every constant slice of every space.</summary>
    public List<ChannelSlice> Slices { get; } = [];

    /// <summary>Depthwise convolutions, whose <c>group</c> attribute follows their channel count.</summary>
    public HashSet<Node> Depthwise { get; } = [];

    /// <summary>Graph outputs whose channels may be pruned because the pass restores their shape with zeros.</summary>
    public List<Value> ZeroFilledOutputs { get; } = [];

    /// <summary>Every value that carries prunable channels, with its layout.</summary>
    public IReadOnlyDictionary<Value, ChannelLayout> Layouts => _layouts;

    /// <summary>How many spaces exist.</summary>
    public int SpaceCount => _parent.Count;

    /// <summary>
    /// Builds the graph of <paramref name="model"/>'s main graph. With
    /// <paramref name="pruneOutputChannels"/>, channels reaching a graph output stay prunable
    /// when the output's rank is known, and are listed in <see cref="ZeroFilledOutputs"/>.
    /// </summary>
    public static ChannelDependencyGraph Build(OnnxModel model, bool pruneOutputChannels = false)
    {
        var graph = new ChannelDependencyGraph(model, pruneOutputChannels);
        foreach (var node in model.Graph.Nodes)
        {
            bool readsChannels = node.Inputs.Any(i => i is not null && graph._layouts.ContainsKey(i));
            bool isSource = node.OpType is "Conv" or "Gemm" or "MatMul";
            if (!readsChannels && !isSource) continue;
            if (ChannelHandlers.Registry.Find(model, node) is { } handler)
            {
                handler.Analyze(node, graph);
                graph._understood.Add(node);
            }
        }
        graph.MarkUnderstoodUsesOnly();
        return graph;
    }

    /// <summary>The channel layout of <paramref name="value"/>, or null when it carries no prunable channels.</summary>
    public ChannelLayout? LayoutOf(Value? value) => value is not null && _layouts.TryGetValue(value, out var layout) ? layout : null;

    /// <summary>Gives <paramref name="value"/> its layout.</summary>
    public void SetLayout(Value? value, ChannelLayout layout)
    {
        if (value is not null) _layouts[value] = layout;
    }

    /// <summary>
    /// Opens a space of <paramref name="count"/> channels created by <paramref name="source"/>.
    /// <paramref name="chunks"/> &gt; 1 says the channels form that many equal blocks that must
    /// stay equal (a grouped convolution's groups): pruning then takes the same number from each.
    /// </summary>
    public int NewSpace(Node source, int count, int chunks = 1)
    {
        _parent.Add(_parent.Count);
        _counts.Add(count);
        _chunks.Add(chunks);
        _periods.Add(0);
        _sources.Add(source);
        return _parent.Count - 1;
    }

    /// <summary>The node that created <paramref name="space"/>.</summary>
    public Node SourceOf(int space) => _sources[space];

    /// <summary>The channels of <paramref name="space"/>.</summary>
    public int CountOf(int space) => _counts[space];

    /// <summary>The group <paramref name="space"/> belongs to (union-find root).</summary>
    public int GroupOf(int space)
    {
        while (_parent[space] != space)
        {
            _parent[space] = _parent[_parent[space]];
            space = _parent[space];
        }
        return space;
    }

    /// <summary>Keeps two spaces aligned channel for channel; spaces of different sizes cannot be, so both become unprunable.</summary>
    public void Union(int a, int b, Node at)
    {
        int ra = GroupOf(a), rb = GroupOf(b);
        if (ra == rb) return;
        if (_counts[ra] != _counts[rb])
        {
            MarkUnprunable(a, $"{Describe(at)} joins {_counts[ra]} channels with {_counts[rb]}");
            MarkUnprunable(b, $"{Describe(at)} joins {_counts[rb]} channels with {_counts[ra]}");
        }
        _parent[rb] = ra;
        // Joined groups keep both block structures: blocks of the least common multiple.
        int chunks = LeastCommonMultiple(_chunks[ra], _chunks[rb]);
        _chunks[ra] = chunks;
        if (_counts[ra] % chunks != 0) MarkUnprunable(ra, $"{Describe(at)} joins grouped channels whose groups do not line up");
        // TiePeriod combines the periods and checks them against the joined blocks.
        if (_periods[rb] > 0 || _periods[ra] > 0) TiePeriod(ra, _periods[rb] > 0 ? _periods[rb] : _periods[ra], at);
        if (_reasons.Remove(rb, out var moved))
        {
            if (!_reasons.TryGetValue(ra, out var list)) _reasons[ra] = list = [];
            list.AddRange(moved);
        }
    }

    /// <summary>
    /// Ties channel c of <paramref name="space"/>'s group to c + <paramref name="period"/>, c + 2·period, …:
    /// they feed the same weight column of a grouped convolution in every group. Two periods give
    /// their greatest common divisor.
    /// </summary>
    public void TiePeriod(int space, int period, Node at)
    {
        int root = GroupOf(space);
        int combined = _periods[root] == 0 ? period : GreatestCommonDivisor(_periods[root], period);
        _periods[root] = combined;
        int chunk = _counts[root] / _chunks[root];
        if (_counts[root] % combined != 0 || (_chunks[root] > 1 && chunk % combined != 0))
        {
            MarkUnprunable(root, $"{Describe(at)} ties channels in blocks of {period} that do not line up with the rest of their group");
        }
    }

    /// <summary>The period of the group of <paramref name="space"/> (0: none); see <see cref="TiePeriod"/>.</summary>
    public int PeriodOf(int space) => _periods[GroupOf(space)];

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>Into how many equal blocks the group of <paramref name="space"/> is pruned evenly (1: no constraint).</summary>
    public int ChunksOf(int space) => _chunks[GroupOf(space)];

    private static int LeastCommonMultiple(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }

    /// <summary>Joins two layouts segment by segment; layouts that split differently make every space involved unprunable.</summary>
    public bool Join(ChannelLayout a, ChannelLayout b, Node at)
    {
        if (!a.MatchesShape(b))
        {
            string reason = $"{Describe(at)} joins channel layouts that do not line up";
            MarkUnprunable(a, reason);
            MarkUnprunable(b, reason);
            return false;
        }
        for (int i = 0; i < a.Segments.Count; i++) Union(a.Segments[i].Space, b.Segments[i].Space, at);
        return true;
    }

    /// <summary>Records why the group of <paramref name="space"/> cannot be pruned.</summary>
    public void MarkUnprunable(int space, string reason)
    {
        int root = GroupOf(space);
        if (!_reasons.TryGetValue(root, out var list)) _reasons[root] = list = [];
        if (!list.Contains(reason)) list.Add(reason);
    }

    /// <summary>Marks every space of <paramref name="layout"/> unprunable.</summary>
    public void MarkUnprunable(ChannelLayout layout, string reason)
    {
        foreach (var segment in layout.Segments) MarkUnprunable(segment.Space, reason);
    }

    /// <summary>Why the group rooted at <paramref name="group"/> cannot be pruned (empty when it can).</summary>
    public IReadOnlyList<string> ReasonsOf(int group) => _reasons.TryGetValue(GroupOf(group), out var list) ? list : [];

    /// <summary>
    /// Records the slices of <paramref name="layout"/> in input <paramref name="inputIndex"/> of
    /// <paramref name="node"/> along <paramref name="axis"/>, one per segment.
    /// </summary>
    public void AddSlices(Node node, int inputIndex, int axis, ChannelLayout layout, int spatial, bool countsForImportance, int period = 0)
    {
        int offset = 0;
        foreach (var segment in layout.Segments)
        {
            Slices.Add(new ChannelSlice(node, inputIndex, axis, segment.Space, offset, spatial, countsForImportance, period));
            offset += segment.Count;
        }
    }

    /// <summary>The constant tensor behind input <paramref name="index"/> of <paramref name="node"/>, when it is a FLOAT constant.</summary>
    public Tensor? FloatConstant(Node node, int index)
        => index < node.Inputs.Count && node.Inputs[index] is { } value && ConstantValues.TryGetTensor(Model, value) is { ElementType: ElementType.Float } t ? t : null;

    /// <summary>Names a node for reasons: <c>node 'conv1' (Conv, opset 13)</c>.</summary>
    public string Describe(Node node) => PassErrors.Describe(node, Model);

    /// <summary>
    /// Channels that flow anywhere no handler looked (a graph output, an unknown op, a node in a
    /// subgraph) cannot change: that reader would see the wrong number of channels.
    /// </summary>
    private void MarkUnderstoodUsesOnly()
    {
        foreach (var (value, layout) in _layouts)
        {
            if (GraphEdits.IsGraphOutput(Model, value))
            {
                // Zero-filling needs the channel axis as an absolute index, hence a known rank,
                // and whole features per channel (a Flatten whose feature count is still open cannot be mapped).
                if (_pruneOutputChannels && layout.Rank is not null && layout.Spatial >= 1) ZeroFilledOutputs.Add(value);
                else MarkUnprunable(layout, $"it reaches the graph output '{value.Name}'" + (_pruneOutputChannels ? ", whose rank is unknown" : " (PruneOutputChannels=true would prune it and zero-fill the output)"));
            }
            foreach (var use in value.Uses)
            {
                if (_understood.Contains(use.Node)) continue;
                MarkUnprunable(layout, $"{Describe(use.Node)} reads '{value.Name}' and the channel dependency graph does not understand it");
            }
        }
    }
}
