using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured;

/// <summary>
/// Removes whole output channels and hidden units, giving a smaller dense model with the same
/// inputs and outputs. A <see cref="ChannelDependencyGraph"/> finds which channels are coupled
/// (a Conv's filters, the BatchNormalization and activation after it, the next layer's input
/// columns, every branch of a residual join); each group is ranked by the L1 or L2 norm of all
/// its weight slices together and loses <see cref="StructuredPruningOptions.Sparsity"/> of its
/// channels. Groups that touch a graph input or output, or an op the graph does not understand,
/// stay whole and are listed in the report with the reason.
/// </summary>
/// <remarks>
/// Accuracy drops with the removed channels; recovering it (fine-tuning, distillation) is not
/// this pass's job. Shapes recorded for pruned intermediate values are dropped rather than
/// rewritten, since runtimes infer them again.
/// </remarks>
public sealed class StructuredPruningPass : IModelPass<StructuredPruningReport>
{
    private readonly StructuredPruningOptions _options;

    /// <summary>Creates the pass; <paramref name="options"/> must have Sparsity in [0, 1) and ChannelMultiple ≥ 1.</summary>
    public StructuredPruningPass(StructuredPruningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Sparsity >= 0 && options.Sparsity < 1)) throw new ArgumentOutOfRangeException(nameof(options), options.Sparsity, "Sparsity must be in [0, 1).");
        if (options.ChannelMultiple < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ChannelMultiple, "ChannelMultiple must be at least 1.");
        _options = options;
    }

    /// <inheritdoc/>
    public string Name => "StructuredPruning";

    /// <summary>None: pruning slices weights; the Pad it may add for a zero-filled output takes the model's own opset's form.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<StructuredPruningReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = ChannelDependencyGraph.Build(model, _options.PruneOutputChannels);
        MarkExcluded(graph);
        var kept = new Dictionary<int, int[]>();
        bool changed = false;
        for (int space = 0; space < graph.SpaceCount; space++)
        {
            int group = graph.GroupOf(space);
            if (kept.ContainsKey(group)) continue;
            int count = graph.CountOf(group);
            kept[group] = graph.ReasonsOf(group).Count > 0 ? Enumerable.Range(0, count).ToArray() : Choose(graph, group, count);
            changed |= kept[group].Length < count;
        }
        var report = BuildReport(graph, kept);
        if (changed) Apply(model, graph, kept);
        return PassResult.Create(this, changed, report);
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    private void MarkExcluded(ChannelDependencyGraph graph)
    {
        foreach (var slice in graph.Slices)
        {
            if (_options.Exclusions.Exclusion(slice.Node) is { } excluded) graph.MarkUnprunable(slice.Space, $"{graph.Describe(slice.Node)} is {excluded}");
        }
    }

    /// <summary>The channels of <paramref name="group"/> to keep, ascending: the most important by the summed norm of every weight slice.</summary>
    private int[] Choose(ChannelDependencyGraph graph, int group, int count)
    {
        int chunks = graph.ChunksOf(group), chunk = count / chunks, period = graph.PeriodOf(group);
        // A grouped convolution's groups must stay equal: the same count is kept in each.
        int keepPerChunk = Math.Min(chunk, (KeptCount(count) + chunks - 1) / chunks);
        if (period > 0)
        {
            // Channels feeding a grouped convolution go in whole residues (c, c + period, …), so
            // every group of the convolution reads the same columns of its weight.
            int repeats = count / period;
            keepPerChunk = Math.Min(period, (KeptCount(count) + repeats - 1) / repeats);
            if (keepPerChunk == period) return Enumerable.Range(0, count).ToArray();
        }
        else if (keepPerChunk == chunk)
        {
            return Enumerable.Range(0, count).ToArray();
        }
        var importance = new double[count];
        foreach (var slice in graph.Slices)
        {
            if (!slice.CountsForImportance || graph.GroupOf(slice.Space) != group) continue;
            var tensor = graph.FloatConstant(slice.Node, slice.InputIndex)!;
            var values = tensor.ToFloatArray();
            var (outer, length, inner) = Extents(tensor, slice.Axis);
            for (int c = 0; c < count; c++)
            {
                double sum = 0;
                for (long i = slice.Position(c) * (long)slice.Spatial; i < (slice.Position(c) + 1) * (long)slice.Spatial; i++)
                {
                    for (long o = 0; o < outer; o++)
                    {
                        long start = (o * length + i) * inner;
                        for (long j = start; j < start + inner; j++)
                        {
                            double v = values[j];
                            sum += _options.Importance == ChannelImportance.L1 ? Math.Abs(v) : v * v;
                        }
                    }
                }
                importance[c] += sum;
            }
        }
        // Sorting by importance with the index as tie-break keeps the choice deterministic.
        if (period > 0)
        {
            var residue = new double[period];
            for (int c = 0; c < count; c++) residue[c % period] += importance[c];
            var keptResidues = Enumerable.Range(0, period).OrderByDescending(j => residue[j]).ThenBy(j => j).Take(keepPerChunk).ToHashSet();
            return Enumerable.Range(0, count).Where(c => keptResidues.Contains(c % period)).ToArray();
        }
        return Enumerable.Range(0, chunks)
            .SelectMany(k => Enumerable.Range(k * chunk, chunk).OrderByDescending(c => importance[c]).ThenBy(c => c).Take(keepPerChunk))
            .Order().ToArray();
    }

    /// <summary>Channels kept of <paramref name="count"/>: never zero, rounded up to the multiple, never more than there are.</summary>
    private int KeptCount(int count)
    {
        int keep = Math.Max(1, count - (int)Math.Round(count * _options.Sparsity, MidpointRounding.AwayFromZero));
        int multiple = _options.ChannelMultiple;
        if (multiple > 1) keep = (keep + multiple - 1) / multiple * multiple;
        return Math.Min(keep, count);
    }

    private static (long Outer, long Length, long Inner) Extents(Tensor tensor, int axis)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= tensor.Dims[d];
        for (int d = axis + 1; d < tensor.Dims.Count; d++) inner *= tensor.Dims[d];
        return (outer, tensor.Dims[axis], inner);
    }

    private void Apply(OnnxModel model, ChannelDependencyGraph graph, Dictionary<int, int[]> kept)
    {
        // Every slot (node input) gets one keep mask per axis, so a Conv weight loses its output
        // rows and its input columns in one rewrite, and a weight fed by a Concat loses each
        // segment's columns at its own offset.
        var masks = new Dictionary<(Node Node, int Input), SortedDictionary<int, bool[]>>();
        foreach (var slice in graph.Slices)
        {
            var keep = kept[graph.GroupOf(slice.Space)];
            int count = graph.CountOf(slice.Space);
            if (keep.Length == count) continue;
            var tensor = graph.FloatConstant(slice.Node, slice.InputIndex)!;
            if (!masks.TryGetValue((slice.Node, slice.InputIndex), out var axes)) masks[(slice.Node, slice.InputIndex)] = axes = [];
            if (!axes.TryGetValue(slice.Axis, out var mask))
            {
                axes[slice.Axis] = mask = new bool[tensor.Dims[slice.Axis]];
                Array.Fill(mask, true);
            }
            var removed = Enumerable.Range(0, count).Except(keep);
            foreach (int c in removed)
            {
                for (long i = slice.Position(c) * (long)slice.Spatial; i < (slice.Position(c) + 1) * (long)slice.Spatial; i++) mask[i] = false;
            }
        }

        var names = NameScope.ForModel(model);
        var replaced = new List<Value>();
        foreach (var ((node, input), axes) in masks.OrderBy(m => GraphEdits.IndexOf(m.Key.Node)).ThenBy(m => m.Key.Input))
        {
            PassErrors.OnNode(this, model, node, () =>
            {
                var old = node.Inputs[input]!;
                var tensor = graph.FloatConstant(node, input)!;
                var dims = tensor.Dims.ToArray();
                var values = tensor.ToFloatArray();
                foreach (var (axis, mask) in axes) values = Gather(values, dims, axis, mask);
                var value = GraphEdits.AddInitializer(node.Graph!, names, old.Name + "_pruned", name => Tensor.FromFloats(name, dims, values));
                node.SetInput(input, value);
                replaced.Add(old);
                return 0;
            });
        }
        foreach (var node in graph.Depthwise)
        {
            long channels = ConstantValues.TryGetTensor(model, node.Inputs[1]!)!.Dims[0];
            node.Attributes.RemoveAll(a => a.Name == "group");
            node.Attributes.Add(NodeAttribute.FromInt("group", channels));
        }
        foreach (var value in replaced.Distinct()) GraphEdits.RemoveConstantIfUnused(model, value);
        foreach (var output in graph.ZeroFilledOutputs)
        {
            var positions = KeptPositions(graph, graph.LayoutOf(output)!, kept);
            if (positions.Count(p => p >= 0) < positions.Length) ZeroFill(model, names, output, graph.LayoutOf(output)!, positions);
        }
        foreach (var (value, layout) in graph.Layouts)
        {
            if (layout.Segments.Any(s => kept[graph.GroupOf(s.Space)].Length < s.Count)) model.Graph.ValueInfos.Remove(value);
        }
    }

    /// <summary>
    /// For every original position on <paramref name="layout"/>'s axis (channel × spatial
    /// feature), its position in the pruned tensor, or −1 when its channel was removed.
    /// </summary>
    private static int[] KeptPositions(ChannelDependencyGraph graph, ChannelLayout layout, Dictionary<int, int[]> kept)
    {
        var positions = new int[layout.Channels * layout.Spatial];
        Array.Fill(positions, -1);
        int offset = 0, next = 0;
        foreach (var segment in layout.Segments)
        {
            foreach (int c in kept[graph.GroupOf(segment.Space)])
            {
                for (int s = 0; s < layout.Spatial; s++) positions[((offset + c) * layout.Spatial) + s] = next++;
            }
            offset += segment.Count;
        }
        return positions;
    }

    /// <summary>
    /// Gives the pruned graph output <paramref name="output"/> its original shape back: the
    /// pruned tensor gets one zero slice appended on the channel axis (Pad), and a Gather puts
    /// every kept position back in place and points every removed one at that zero slice. The
    /// output keeps its name and declaration; the pruned tensor gets a new name.
    /// </summary>
    private static void ZeroFill(OnnxModel model, NameScope names, Value output, ChannelLayout layout, int[] positions)
    {
        var graph = model.Graph;
        int rank = layout.Rank!.Value;
        int axis = rank - 1 - layout.AxisFromEnd;
        int zeroSlot = positions.Max() + 1;
        string baseName = output.Name;
        var restored = new Value(baseName, output.Type?.Clone());
        output.Name = names.Reserve(baseName + "_pruned");

        var pads = new long[2 * rank];
        pads[rank + axis] = 1;
        Node pad;
        if ((model.GetOpsetVersion("") ?? 1) < 11)
        {
            // Pad-2 takes the pads as an attribute; the default mode "constant" with value 0 is what we need.
            pad = new Node("Pad", [output], [names.Reserve(baseName + "_padded")], names.Reserve(baseName + "_zero_Pad"));
            pad.Attributes.Add(NodeAttribute.FromInts("pads", pads));
        }
        else
        {
            var padsValue = GraphEdits.AddInitializer(graph, names, baseName + "_zero_pads", name => TensorFactory.Int64s(name, pads));
            pad = new Node("Pad", [output, padsValue], [names.Reserve(baseName + "_padded")], names.Reserve(baseName + "_zero_Pad"));
        }
        var indices = GraphEdits.AddInitializer(graph, names, baseName + "_positions", name => TensorFactory.Int64s(name, positions.Select(p => (long)(p >= 0 ? p : zeroSlot)).ToArray()));
        var gather = new Node("Gather", [pad.Outputs[0], indices], [], names.Reserve(baseName + "_restore_Gather"));
        gather.Attributes.Add(NodeAttribute.FromInt("axis", axis));
        gather.AddOutput(restored);
        graph.AddNode(pad);
        graph.AddNode(gather);
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            if (graph.Outputs[i] == output) graph.Outputs[i] = restored;
        }
        // The pruned tensor's declared shape no longer holds; runtimes infer it again.
        output.Type = null;
    }

    /// <summary>Keeps the indices of <paramref name="axis"/> that <paramref name="mask"/> marks, updating <paramref name="dims"/>.</summary>
    private static float[] Gather(float[] values, long[] dims, int axis, bool[] mask)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        for (int d = axis + 1; d < dims.Length; d++) inner *= dims[d];
        int keptCount = mask.Count(k => k);
        var result = new float[outer * keptCount * inner];
        long target = 0;
        for (long o = 0; o < outer; o++)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                if (!mask[i]) continue;
                Array.Copy(values, (o * mask.Length + i) * inner, result, target, inner);
                target += inner;
            }
        }
        dims[axis] = keptCount;
        return result;
    }

    private static StructuredPruningReport BuildReport(ChannelDependencyGraph graph, Dictionary<int, int[]> kept)
    {
        var layers = new List<PrunedLayer>();
        for (int space = 0; space < graph.SpaceCount; space++)
        {
            var node = graph.SourceOf(space);
            int group = graph.GroupOf(space);
            layers.Add(new PrunedLayer(GraphEdits.BaseName(node), node.OpType, graph.CountOf(space), kept[group].Length, kept[group], group));
        }
        foreach (var node in graph.Depthwise)
        {
            var layout = graph.LayoutOf(node.Outputs[0])!;
            var keptIndices = new List<int>();
            int offset = 0;
            foreach (var segment in layout.Segments)
            {
                keptIndices.AddRange(kept[graph.GroupOf(segment.Space)].Select(c => c + offset));
                offset += segment.Count;
            }
            layers.Add(new PrunedLayer(GraphEdits.BaseName(node), node.OpType, layout.Channels, keptIndices.Count, keptIndices, graph.GroupOf(layout.Segments[0].Space)));
        }
        layers.Sort((a, b) => IndexOf(graph, a.Node).CompareTo(IndexOf(graph, b.Node)));

        var unprunable = new List<UnprunableGroup>();
        foreach (int group in kept.Keys.Order())
        {
            var reasons = graph.ReasonsOf(group);
            if (reasons.Count == 0) continue;
            var members = Enumerable.Range(0, graph.SpaceCount).Where(s => graph.GroupOf(s) == group).Select(s => GraphEdits.BaseName(graph.SourceOf(s))).ToArray();
            unprunable.Add(new UnprunableGroup(group, members, graph.CountOf(group), reasons));
        }
        var zeroFilled = graph.ZeroFilledOutputs
            .Where(v => graph.LayoutOf(v)!.Segments.Any(s => kept[graph.GroupOf(s.Space)].Length < s.Count))
            .Select(v => v.Name).ToArray();
        return new StructuredPruningReport(layers, unprunable, zeroFilled);
    }

    private static int IndexOf(ChannelDependencyGraph graph, string name)
    {
        var nodes = graph.Model.Graph.Nodes;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (GraphEdits.BaseName(nodes[i]) == name) return i;
        }
        return nodes.Count;
    }
}
