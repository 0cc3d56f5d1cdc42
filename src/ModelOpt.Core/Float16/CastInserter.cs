using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Float16;

/// <summary>
/// Adds the Cast nodes where FLOAT and FLOAT16 regions meet: one per (value, target type), shared
/// by every reader, placed in the graph that defines the value right after its producer (or
/// first in the graph for inputs and initializers), so readers in subgraphs see it too and the
/// node order stays topological. Names come from the model's <see cref="NameScope"/>, so the
/// output is deterministic.
/// </summary>
internal sealed class CastInserter
{
    private readonly Dictionary<(Value Source, ElementType Target), Value> _casts = [];
    private readonly Dictionary<Node, Node> _lastAfterProducer = [];
    private readonly Dictionary<Graph, int> _insertedAtFront = [];
    private readonly Dictionary<Value, Graph> _definingGraphs = [];
    private readonly NameScope _names;
    private readonly Dictionary<Value, ElementType> _types;

    /// <param name="model">The model; producer-less values (inputs, initializers) are located in its graphs.</param>
    /// <param name="names">Where new names come from.</param>
    /// <param name="types">The element types after conversion; cast outputs are added.</param>
    public CastInserter(OnnxModel model, NameScope names, Dictionary<Value, ElementType> types)
    {
        _names = names;
        _types = types;
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var value in graph.Inputs.Concat(graph.Initializers).Concat(graph.SparseInitializers))
            {
                _definingGraphs.TryAdd(value, graph);
            }
        }
    }

    /// <summary>Every Cast node this inserter added, in the order added.</summary>
    public List<Node> Inserted { get; } = [];

    /// <summary>The value holding <paramref name="source"/> as <paramref name="target"/>, adding the Cast on first request.</summary>
    /// <param name="source">The value to convert.</param>
    /// <param name="target">The element type its reader needs.</param>
    /// <param name="fallbackGraph">Where to put the cast when <paramref name="source"/> is defined nowhere (a dangling name).</param>
    public Value CastOf(Value source, ElementType target, Graph fallbackGraph)
    {
        if (_casts.TryGetValue((source, target), out var existing)) return existing;
        var cast = Create(source, target, Suffix(target));
        if (source.Producer is { Graph: { } graph } producer)
        {
            var after = _lastAfterProducer.GetValueOrDefault(producer, producer);
            graph.InsertAfter(after, cast);
            _lastAfterProducer[producer] = cast;
            AddValueInfo(graph, source, cast.Outputs[0]!);
        }
        else
        {
            var defining = _definingGraphs.GetValueOrDefault(source, fallbackGraph);
            int index = _insertedAtFront.GetValueOrDefault(defining);
            defining.InsertNode(index, cast);
            _insertedAtFront[defining] = index + 1;
            AddValueInfo(defining, source, cast.Outputs[0]!);
        }
        _casts.Add((source, target), cast.Outputs[0]!);
        return cast.Outputs[0]!;
    }

    /// <summary>
    /// A Cast appended to <paramref name="graph"/> (a subgraph whose output must change type),
    /// not shared: the output of a body is best produced inside the body.
    /// </summary>
    public Value CastAtEnd(Graph graph, Value source, ElementType target)
    {
        var cast = Create(source, target, Suffix(target));
        graph.AddNode(cast);
        return cast.Outputs[0]!;
    }

    /// <summary>
    /// Keeps the name of a main-graph output whose type must not change: the producer's value is
    /// renamed, and a Cast to <paramref name="target"/> produces a value with the original name
    /// and declaration, which readers needing <paramref name="target"/> share.
    /// </summary>
    public Value CastKeepingName(Graph graph, Value source, ElementType target)
    {
        if (_casts.TryGetValue((source, target), out var existing)) return existing;
        string name = source.Name;
        var sourceType = _types[source];
        source.Name = _names.Reserve(name + Suffix(sourceType));
        var cast = new Node("Cast", [source], [name], _names.Reserve(name + "_Cast"));
        cast.Attributes.Add(NodeAttribute.FromInt("to", (long)target));
        var output = cast.Outputs[0]!;
        if (source.Type is { } declared)
        {
            output.Type = declared.Clone();
            if (Retyped(declared, sourceType) is { } inner)
            {
                source.Type = inner;
                if (!graph.ValueInfos.Contains(source)) graph.ValueInfos.Add(source);
            }
        }
        var producer = source.Producer!;
        var after = _lastAfterProducer.GetValueOrDefault(producer, producer);
        graph.InsertAfter(after, cast);
        _lastAfterProducer[producer] = cast;
        _types[output] = target;
        _casts.Add((source, target), output);
        Inserted.Add(cast);
        return output;
    }

    private Node Create(Value source, ElementType target, string suffix)
    {
        string baseName = source.Name + suffix;
        var cast = new Node("Cast", [source], [_names.Reserve(baseName)], _names.Reserve(baseName + "_Cast"));
        cast.Attributes.Add(NodeAttribute.FromInt("to", (long)target));
        _types[cast.Outputs[0]!] = target;
        Inserted.Add(cast);
        return cast;
    }

    /// <summary>Declares the cast's output like its source (shape kept, element type changed) when the source is declared.</summary>
    private static void AddValueInfo(Graph graph, Value source, Value output)
    {
        var target = TypeAttributes.Read(output.Producer!.GetAttribute("to")!);
        if (Retyped(source.Type, target) is not { } type) return;
        output.Type = type;
        graph.ValueInfos.Add(output);
    }

    private static string Suffix(ElementType type) => type == ElementType.Float16 ? "_float16" : "_float32";

    /// <summary>A tensor type of <paramref name="type"/> with the shape of <paramref name="like"/>, when known.</summary>
    public static TypeProto? Retyped(TypeProto? like, ElementType type)
    {
        if (like is not { TensorType: not null }) return null;
        var clone = like.Clone();
        clone.TensorType.ElemType = (int)type;
        return clone;
    }
}
