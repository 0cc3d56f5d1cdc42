using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// One run of <see cref="Float16ConversionPass"/>. First every node gets a precision
/// (<see cref="NodeDecision"/>) from the original element types, without changing anything.
/// From the decisions alone follow, for every node input, the type it needs (FLOAT16 for a
/// converted node's FLOAT inputs, FLOAT for a kept node's and for inputs that are FLOAT by
/// definition), and for every value the type it has afterwards. Then: constants are stored in
/// the type their readers need (a copy when readers disagree), type attributes follow, graph
/// outputs and readers whose types disagree get casts, declarations are updated, and redundant
/// casts are removed.
/// </summary>
internal sealed class Float16Converter
{
    private const string KeptConstant = "every reader of its value needs FLOAT";

    private readonly OnnxModel _model;
    private readonly Float16ConversionOptions _options;
    private readonly long _opset;
    private readonly Dictionary<Value, ElementType> _original;
    private readonly Dictionary<Value, ElementType> _converted = [];
    private readonly Dictionary<Node, NodeDecision> _decisions = [];
    private readonly Dictionary<Graph, Node> _owners = [];
    private readonly Dictionary<Value, List<(Graph Graph, int Index)>> _outputSlots = [];
    private readonly Dictionary<Value, (Float16Rounding Rounding, string Name)> _rounded = [];
    private readonly Dictionary<Node, string> _constantsKeptInFloat = [];
    private readonly Dictionary<Tensor, long> _beyondRange = [];
    private readonly IReadOnlyList<Node> _nodes;
    private readonly NameScope _names;
    private int _convertedTensors;
    private bool _applied;

    public Float16Converter(OnnxModel model, Float16ConversionOptions options)
    {
        _model = model;
        _options = options;
        _opset = model.GetOpsetVersion("") ?? 1;
        _original = ElementTypeInference.Infer(model);
        _names = NameScope.ForModel(model);
        _nodes = model.Graph.AllNodes().ToArray();
        foreach (var graph in model.Graph.AllGraphs())
        {
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                if (!_outputSlots.TryGetValue(graph.Outputs[i], out var slots)) _outputSlots[graph.Outputs[i]] = slots = [];
                slots.Add((graph, i));
            }
            foreach (var node in graph.Nodes)
            {
                foreach (var subgraph in node.Subgraphs) _owners[subgraph] = node;
            }
        }
        Decide(model.Graph, inherited: null);
    }

    /// <summary>
    /// True when applying would change the model: a node computes in FLOAT16, or FLOAT inputs/outputs
    /// become FLOAT16. (A Constant alone is no work: it is converted only for converted readers.)
    /// </summary>
    public bool HasWork
        => _decisions.Any(d => d.Value.Converted && d.Value.Reported && d.Key.OpType != "Constant")
           || (!_options.KeepIoTypes && _model.Graph.Inputs.Concat(_model.Graph.Outputs).Any(v => Original(v) == ElementType.Float));

    /// <summary>Changes the model as decided and returns the totals.</summary>
    public Float16ConversionSummary Apply()
    {
        _applied = true;
        ComputeConvertedTypes();
        ConvertConstants();
        RewriteTypeAttributes();
        var casts = new CastInserter(_model, _names, _converted);
        FixGraphOutputs(casts);
        FixReaders(casts);
        UpdateDeclarations();
        var cleanup = new CastCleanup(_model, _converted);
        var removed = cleanup.Run();
        int insertedRemoved = casts.Inserted.Count(removed.Contains);
        var rounding = _rounded.Values.Aggregate(default(Float16Rounding), (sum, entry) => sum + entry.Rounding);
        return new Float16ConversionSummary(_convertedTensors, rounding, casts.Inserted.Count - insertedRemoved, cleanup.Removed - insertedRemoved);
    }

    /// <summary>Every node that reads or writes FLOAT, in graph order (subgraphs after their node), with its precision.</summary>
    public List<NodeQuantization> Report()
    {
        var entries = new List<NodeQuantization>();
        foreach (var node in _nodes)
        {
            var decision = _decisions[node];
            if (!decision.Reported) continue;
            string name = decision.Name;
            // Without work to apply, no converted node reads a constant, so every Constant stays FLOAT.
            if (_constantsKeptInFloat.TryGetValue(node, out var why) || !_applied && decision.Converted && node.OpType == "Constant")
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float, null, why ?? KeptConstant));
            }
            else if (decision.Converted)
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float16, null, RoundingNote(node)));
            }
            else
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float, null, decision.Reason));
            }
        }
        return entries;
    }

    private ElementType Original(Value? value) => value is null ? ElementType.Undefined : _original.GetValueOrDefault(value);

    /// <summary>True for the main graph (subgraphs built in code have no <see cref="Graph.Parent"/> either, so identity decides).</summary>
    private bool IsMain(Graph graph) => ReferenceEquals(graph, _model.Graph);

    private static bool IsStandard(Node node) => node.Domain.Length == 0 || node.Domain == "ai.onnx";

    private static bool IsControlFlow(Node node) => IsStandard(node) && OperatorTypeRules.IsControlFlow(node.OpType);

    private OperatorTypeRule? RuleOf(Node node) => OperatorTypeRules.Find(node, _opset);

    // ---- decisions -------------------------------------------------------------------------

    private void Decide(Graph graph, string? inherited)
    {
        foreach (var node in graph.Nodes)
        {
            var decision = Decide(node, inherited);
            _decisions[node] = decision;
            // A body belongs to its node: when the node stays in FLOAT, so does all of the body.
            string? inner = inherited ?? (decision.Converted ? null : $"inside node '{decision.Name}' ({node.OpType}), which stays in FLOAT");
            foreach (var subgraph in node.Subgraphs) Decide(subgraph, inner);
        }
    }

    private NodeDecision Decide(Node node, string? inherited)
    {
        var rule = RuleOf(node);
        bool reported = ReadsOrWritesFloat(node, rule);
        string name = NodeFilter.IdentityOf(node);
        NodeDecision Keep(string reason) => new(name, false, reason, reported);

        if (inherited is not null) return Keep(inherited);
        if (_options.Exclusions.Exclusion(node) is { } excluded) return Keep(excluded);
        if (_options.KeepInFloat.TryGetValue(name, out var measured)) return Keep(measured);
        if (!IsStandard(node)) return Keep($"an operator of domain '{node.Domain}', whose float16 support is not known");
        if (_options.BlockedOpTypes.Contains(node.OpType)) return Keep("blocked by BlockedOpTypes");
        if (Float16BlockList.ReasonFor(node) is { } blocked) return Keep(blocked);
        if (rule is null && !IsControlFlow(node)) return Keep($"{node.OpType} is not in the float16 operator table");
        if (rule is not null && _opset < rule.Float16Since)
        {
            return Keep(rule.Float16Since == long.MaxValue
                ? $"the ONNX schema of {node.OpType} accepts no FLOAT16"
                : string.Create(CultureInfo.InvariantCulture, $"{node.OpType} accepts FLOAT16 from opset {rule.Float16Since} on; the model imports opset {_opset}"));
        }
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] is { } input && Original(input) == ElementType.Undefined && rule?.AnyTypeInputs.Contains(i) != true)
            {
                return Keep($"the element type of its input '{input.Name}' is not known");
            }
        }
        if (OutOfRangeConstant(node, rule) is { } outOfRange) return Keep(outOfRange);
        return new NodeDecision(name, true, null, reported);
    }

    /// <summary>
    /// Why a constant the node would read in FLOAT16 cannot be: finite values beyond ±65504 have no
    /// float16 form, and clamping them changes what the node computes (the CNTK ResNet18 keeps
    /// variances above 65504 in its first BatchNormalization; clamped, its features' cosine to the
    /// original fell from 0.99999 to 0.9996). The node stays FLOAT and reads the exact values.
    /// </summary>
    private string? OutOfRangeConstant(Node node, OperatorTypeRule? rule)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] is not { } input || Original(input) != ElementType.Float) continue;
            if (rule is not null && (rule.AnyTypeInputs.Contains(i) || rule.FixedFloatInputs.Contains(i))) continue;
            if (ConstantValues.TryGetTensor(_model, input) is { ElementType: ElementType.Float } tensor && BeyondRange(tensor) is > 0 and var count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"its constant input '{input.Name}' holds {count} value(s) beyond ±65504, float16's largest finite value");
            }
        }
        if (node.OpType == "ConstantOfShape" && node.GetAttribute("value")?.Tensor is { ElementType: ElementType.Float } fill && BeyondRange(fill) > 0)
        {
            return "its value lies beyond ±65504, float16's largest finite value";
        }
        return null;
    }

    private long BeyondRange(Tensor tensor)
    {
        if (!_beyondRange.TryGetValue(tensor, out long count)) _beyondRange[tensor] = count = Float16Tensors.CountBeyondRange(tensor);
        return count;
    }

    private bool ReadsOrWritesFloat(Node node, OperatorTypeRule? rule)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (Original(node.Inputs[i]) == ElementType.Float && rule?.AnyTypeInputs.Contains(i) != true) return true;
        }
        return node.Outputs.Any(o => Original(o) == ElementType.Float);
    }

    // ---- types -----------------------------------------------------------------------------

    /// <summary>The type input <paramref name="index"/> of <paramref name="node"/> must have; Undefined when any type will do.</summary>
    private ElementType Requirement(Node node, int index)
    {
        var input = node.Inputs[index];
        if (input is null || Original(input) != ElementType.Float) return ElementType.Undefined;
        bool converted = _decisions[node].Converted;
        if (!IsControlFlow(node) && RuleOf(node) is { } rule)
        {
            if (rule.AnyTypeInputs.Contains(index)) return ElementType.Undefined;
            if (rule.FixedFloatInputs.Contains(index)) return ElementType.Float;
        }
        return converted ? ElementType.Float16 : ElementType.Float;
    }

    /// <summary>The type output <paramref name="index"/> of <paramref name="graph"/> must have.</summary>
    private ElementType OutputRequirement(Graph graph, int index)
    {
        if (Original(graph.Outputs[index]) != ElementType.Float) return ElementType.Undefined;
        return IsMain(graph)
            ? _options.KeepIoTypes ? ElementType.Float : ElementType.Float16
            : BodyIsFloat16(graph) ? ElementType.Float16 : ElementType.Float;
    }

    /// <summary>True when <paramref name="graph"/> is the body of a converted If/Loop/Scan, so its FLOAT inputs and outputs are FLOAT16.</summary>
    private bool BodyIsFloat16(Graph graph)
        => _owners.TryGetValue(graph, out var owner) && IsControlFlow(owner) && _decisions[owner].Converted;

    private ElementType InputType(Graph graph, Value input)
    {
        if (Original(input) != ElementType.Float) return Original(input);
        if (IsMain(graph)) return _options.KeepIoTypes ? ElementType.Float : ElementType.Float16;
        return BodyIsFloat16(graph) ? ElementType.Float16 : ElementType.Float;
    }

    private ElementType OutputType(Node node, int index)
    {
        var original = Original(node.Outputs[index]);
        if (original != ElementType.Float) return original;
        if (!_decisions[node].Converted) return ElementType.Float;
        if (IsControlFlow(node)) return ElementType.Float16;
        var rule = RuleOf(node)!.Output(index);
        bool followsInput = rule.Source == OutputTypeSource.Input
            || rule.Source == OutputTypeSource.Attribute && rule.Input >= 0 && node.GetAttribute(rule.Attribute!) is null;
        if (followsInput) return rule.Input < node.Inputs.Count && Requirement(node, rule.Input) == ElementType.Float16 ? ElementType.Float16 : ElementType.Float;
        return rule.Source switch
        {
            OutputTypeSource.Attribute when rule.Convertible => ElementType.Float16,
            OutputTypeSource.ConstantValue when node.OpType == "ConstantOfShape" => ElementType.Float16,
            _ => ElementType.Float,
        };
    }

    private void ComputeConvertedTypes()
    {
        foreach (var graph in _model.Graph.AllGraphs())
        {
            foreach (var input in graph.Inputs) _converted[input] = InputType(graph, input);
            foreach (var value in graph.Initializers) _converted.TryAdd(value, Original(value));
            foreach (var value in graph.SparseInitializers) _converted.TryAdd(value, Original(value));
            foreach (var node in graph.Nodes)
            {
                for (int i = 0; i < node.Outputs.Count; i++)
                {
                    if (node.Outputs[i] is { } output) _converted[output] = OutputType(node, i);
                }
            }
        }
    }

    // ---- constants -------------------------------------------------------------------------

    private void ConvertConstants()
    {
        foreach (var graph in _model.Graph.AllGraphs().ToArray())
        {
            foreach (var value in graph.Initializers.ToArray())
            {
                if (ConstantValues.TryGetTensor(_model, value) is { ElementType: ElementType.Float } tensor)
                {
                    ConvertConstant(graph, value, tensor, null);
                }
                else if (value.Initializer is { ElementType: ElementType.Float } overridable && _converted[value] == ElementType.Float16)
                {
                    // An initializer that is also an input (a default the caller may replace) follows the input's type.
                    value.Initializer = Convert(value, overridable, value.Name);
                }
            }
            foreach (var node in graph.Nodes.ToArray())
            {
                if (node.OpType == "Constant" && IsStandard(node) && _decisions[node].Converted && node.Outputs.Count == 1
                    && node.Outputs[0] is { } output && ConstantValues.FromConstantNode(node) is { ElementType: ElementType.Float } tensor)
                {
                    ConvertConstant(graph, output, tensor, node);
                }
            }
        }
    }

    /// <summary>
    /// Stores a FLOAT constant in the type its readers need: FLOAT16 when every reader computes in
    /// FLOAT16, unchanged when none does, and both when they disagree (a weight shared by a
    /// converted and a kept node), so no reader pays a cast at run time and the FLOAT readers keep
    /// the exact values. A main-graph output keeps its name on the value of the type it must have.
    /// </summary>
    private void ConvertConstant(Graph graph, Value value, Tensor tensor, Node? constantNode)
    {
        var half = new List<ValueUse>();
        var full = new List<ValueUse>();
        foreach (var use in value.Uses)
        {
            var need = Requirement(use.Node, use.InputIndex);
            if (need == ElementType.Float16) half.Add(use);
            else if (need == ElementType.Float) full.Add(use);
        }
        var halfOutputs = new List<(Graph Graph, int Index)>();
        var fullOutputs = new List<(Graph Graph, int Index)>();
        var mainOutput = ElementType.Undefined;
        foreach (var slot in _outputSlots.GetValueOrDefault(value) ?? [])
        {
            var need = OutputRequirement(slot.Graph, slot.Index);
            if (IsMain(slot.Graph)) mainOutput = need;
            else if (need == ElementType.Float16) halfOutputs.Add(slot);
            else if (need == ElementType.Float) fullOutputs.Add(slot);
        }
        bool needsHalf = half.Count > 0 || halfOutputs.Count > 0 || mainOutput == ElementType.Float16;
        bool needsFull = full.Count > 0 || fullOutputs.Count > 0 || mainOutput == ElementType.Float;
        _converted[value] = ElementType.Float;
        if (!needsHalf)
        {
            if (constantNode is not null) _constantsKeptInFloat[constantNode] = KeptConstant;
            return;
        }

        string tensorName = constantNode is null ? value.Name : tensor.Name;
        var converted = Convert(value, tensor, tensorName);
        if (!needsFull || mainOutput == ElementType.Float16)
        {
            Store(value, constantNode, converted);
            _converted[value] = ElementType.Float16;
            if (needsFull) Redirect(AddCopy(graph, value, constantNode, tensor, ElementType.Float), full, fullOutputs);
        }
        else
        {
            var copy = AddCopy(graph, value, constantNode, converted, ElementType.Float16);
            _rounded[copy] = _rounded[value];
            _rounded.Remove(value);
            Redirect(copy, half, halfOutputs);
        }
    }

    private Tensor Convert(Value value, Tensor tensor, string name)
    {
        var converted = Float16Tensors.Convert(tensor, name, out var rounding);
        // Notes name the constant as the model did, before copies or casts add suffixes.
        _rounded[value] = (rounding, value.Name);
        _convertedTensors++;
        return converted;
    }

    private static void Store(Value value, Node? constantNode, Tensor converted)
    {
        if (constantNode is null)
        {
            value.Initializer = converted;
            return;
        }
        int index = constantNode.Attributes.FindIndex(a => a.Name is "value" or "value_float" or "value_floats");
        constantNode.Attributes[index] = NodeAttribute.FromTensor("value", converted);
    }

    private Value AddCopy(Graph graph, Value value, Node? constantNode, Tensor tensor, ElementType type)
    {
        string suffix = type == ElementType.Float16 ? "_float16" : "_float32";
        string name = _names.Reserve(value.Name + suffix);
        Value copy;
        if (constantNode is null)
        {
            copy = graph.AddInitializer(name, tensor);
            // IR version 3 lists every initializer among the graph inputs.
            if (graph.Inputs.Contains(value))
            {
                copy.Type = CastInserter.Retyped(value.Type, type);
                graph.Inputs.Add(copy);
            }
        }
        else
        {
            var node = new Node("Constant", [], [name], _names.Reserve(GraphEdits.BaseName(constantNode) + suffix));
            node.Attributes.Add(NodeAttribute.FromTensor("value", tensor));
            graph.InsertAfter(constantNode, node);
            copy = node.Outputs[0]!;
        }
        _converted[copy] = type;
        return copy;
    }

    private static void Redirect(Value copy, List<ValueUse> uses, List<(Graph Graph, int Index)> outputs)
    {
        foreach (var use in uses) use.Node.SetInput(use.InputIndex, copy);
        foreach (var (graph, index) in outputs) graph.Outputs[index] = copy;
    }

    // ---- attributes, outputs, readers ----------------------------------------------------------

    /// <summary>
    /// Attributes that name a FLOAT output's type (Cast's <c>to</c>, <c>dtype</c>, <c>output_datatype</c>)
    /// name FLOAT16 on converted nodes; ConstantOfShape's value becomes FLOAT16 (or a FLOAT16 zero,
    /// its FLOAT default's equivalent).
    /// </summary>
    private void RewriteTypeAttributes()
    {
        foreach (var node in _nodes)
        {
            if (!_decisions[node].Converted || IsControlFlow(node) || RuleOf(node) is not { } rule) continue;
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (Original(node.Outputs[i]) != ElementType.Float || _converted[node.Outputs[i]!] != ElementType.Float16) continue;
                var output = rule.Output(i);
                if (output.Source == OutputTypeSource.Attribute && output.Convertible)
                {
                    int index = node.Attributes.FindIndex(a => a.Name == output.Attribute);
                    var attribute = NodeAttribute.FromInt(output.Attribute!, (long)ElementType.Float16);
                    if (index >= 0) node.Attributes[index] = attribute;
                    else if (output.Input < 0) node.Attributes.Add(attribute);
                }
                else if (output.Source == OutputTypeSource.ConstantValue && node.OpType == "ConstantOfShape")
                {
                    int index = node.Attributes.FindIndex(a => a.Name == "value");
                    if (index >= 0) node.Attributes[index] = NodeAttribute.FromTensor("value", Convert(node.Outputs[i]!, node.Attributes[index].Tensor!, node.Attributes[index].Tensor!.Name));
                    else node.Attributes.Add(NodeAttribute.FromTensor("value", Float16Tensors.Zero("")));
                }
                break;
            }
        }
    }

    private void FixGraphOutputs(CastInserter casts)
    {
        foreach (var graph in _model.Graph.AllGraphs().ToArray())
        {
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                var output = graph.Outputs[i];
                var need = OutputRequirement(graph, i);
                if (need == ElementType.Undefined || _converted.GetValueOrDefault(output) == need) continue;
                if (IsMain(graph))
                {
                    // Main-graph inputs and initializers already have the type the interface needs.
                    if (output.Producer is null) continue;
                    graph.Outputs[i] = casts.CastKeepingName(graph, output, need);
                }
                else
                {
                    var cast = casts.CastAtEnd(graph, output, need);
                    cast.Type = CastInserter.Retyped(output.Type, need);
                    graph.Outputs[i] = cast;
                }
            }
        }
    }

    private void FixReaders(CastInserter casts)
    {
        foreach (var node in _nodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input) continue;
                var need = Requirement(node, i);
                if (need == ElementType.Undefined || _converted.GetValueOrDefault(input) == need) continue;
                node.SetInput(i, casts.CastOf(input, need, node.Graph!));
            }
        }
    }

    /// <summary>Declared types (graph inputs and outputs, value_info) follow the values, so the model type-checks.</summary>
    private void UpdateDeclarations()
    {
        foreach (var graph in _model.Graph.AllGraphs())
        {
            foreach (var value in graph.Inputs.Concat(graph.Outputs).Concat(graph.ValueInfos))
            {
                if (value.Type?.TensorType is { } tensor && tensor.ElemType == (int)ElementType.Float
                    && _converted.GetValueOrDefault(value) == ElementType.Float16)
                {
                    tensor.ElemType = (int)ElementType.Float16;
                }
            }
        }
    }

    private string? RoundingNote(Node node)
    {
        var notes = new List<string>();
        foreach (var value in node.Inputs.Concat(node.Outputs))
        {
            if (value is null || !_rounded.TryGetValue(value, out var entry) || entry.Rounding.IsExact) continue;
            var rounding = entry.Rounding;
            var parts = new List<string>();
            if (rounding.Clamped > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rounding.Clamped} value(s) beyond ±65504 clamped"));
            if (rounding.FlushedToZero > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rounding.FlushedToZero} value(s) below the float16 range flushed to zero"));
            notes.Add($"'{entry.Name}': {string.Join(", ", parts)}");
        }
        return notes.Count == 0 ? null : string.Join("; ", notes);
    }
}
