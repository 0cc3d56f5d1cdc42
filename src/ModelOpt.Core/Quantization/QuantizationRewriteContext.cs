using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// What one run of every quantization pass (dynamic, static, int4) shares between its operator
/// quantizers: the model and options, the pass (errors name it), one name scope for everything
/// the run adds, the weight checks and reads, and the float constants to drop at the end once
/// nothing reads them. Each pass's context derives from it and adds its own state, so the
/// quantizers stay stateless.
/// </summary>
/// <typeparam name="TOptions">The pass's options.</typeparam>
internal abstract class QuantizationRewriteContext<TOptions>(OnnxModel model, TOptions options, IModelPass pass)
{
    private readonly List<Value> _replaced = [];
    // Membership apart from the ordered list: a List.Contains per weight made quantizing n weights O(n²).
    private readonly HashSet<Value> _replacedSet = [];

    public OnnxModel Model { get; } = model;

    public TOptions Options { get; } = options;

    public IModelPass Pass { get; } = pass;

    /// <summary>One scope for every name the run adds, so none collides with the model's or another quantizer's.</summary>
    public NameScope Names { get; } = NameScope.ForModel(model);

    /// <summary>Why the input at <paramref name="index"/> is not a usable FLOAT weight of the given rank; null when it is.</summary>
    public string? WeightProblem(Node node, int index, int minRank, int maxRank)
        => QuantizableWeights.Problem(Model, node, index, minRank, maxRank);

    /// <summary>The weight's values as floats; NaN or infinity is an error naming the pass, the node and the tensor.</summary>
    public float[] ReadWeight(Node node, int index) => QuantizableWeights.ReadFinite(Pass, Model, node, index);

    /// <summary>Adds an initializer named from <paramref name="hint"/> to <paramref name="graph"/>.</summary>
    public Value AddInitializer(Graph graph, string hint, Func<string, Tensor> create)
        => GraphEdits.AddInitializer(graph, Names, hint, create);

    /// <summary>Adds a FLOAT initializer named from <paramref name="hint"/> to <paramref name="graph"/>.</summary>
    public Value AddFloats(Graph graph, string hint, long[] dims, float[] values)
        => AddInitializer(graph, hint, name => Tensor.FromFloats(name, dims, values));

    /// <summary>Marks a constant that a rewrite replaced (a weight, a bias) for removal at the end, once per constant.</summary>
    public void RemoveLaterIfUnused(Value value)
    {
        if (_replacedSet.Add(value)) _replaced.Add(value);
    }

    /// <summary>Drops the replaced constants that no node reads any more (initializers or Constant nodes), in the order they were marked.</summary>
    public void RemoveReplacedConstants()
    {
        foreach (var value in _replaced) GraphEdits.RemoveConstantIfUnused(Model, value);
    }
}
