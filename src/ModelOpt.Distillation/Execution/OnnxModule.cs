using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ModelOpt.Core.Operators;
using ModelOpt.Distillation.Converters;
using ModelOpt.Distillation.Loading;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using TorchSharp;
using static TorchSharp.torch;
using OnnxTensor = ModelOpt.Onnx.Ir.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Execution;

/// <summary>
/// An ONNX model's main graph as a trainable TorchSharp module: one kernel per node (from the
/// converter registered for its operator and opset), run in topological order. FLOAT initializers
/// in weight slots become parameters named after their initializers, BatchNormalization's running
/// statistics become buffers that training mode updates, and everything else (integer
/// initializers, shapes, scalars of formulas, <c>Constant</c> values) becomes constant buffers.
/// <see cref="WriteBack"/> copies the trained values into the initializers of the same graph.
/// </summary>
public sealed class OnnxModule : nn.Module<IReadOnlyDictionary<string, TorchTensor>, IReadOnlyDictionary<string, TorchTensor>>
{
    private readonly Step[] _steps;
    private readonly Dictionary<string, int> _slotByName;
    private readonly int _slotCount;
    private readonly StoredTensor[] _stored;
    private readonly (string Name, int Slot, ElementType Type)[] _inputs;
    private readonly string[] _outputs;
    private readonly string? _modelPath;

    private OnnxModule(OnnxModel model, OperatorRegistry<IOperatorConverter> converters) : base(nameof(OnnxModule))
    {
        _modelPath = model.SourcePath;
        var graph = model.Graph;
        _slotByName = new Dictionary<string, int>(StringComparer.Ordinal);
        var initializerNames = graph.Initializers.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        _inputs = graph.Inputs.Where(v => !initializerNames.Contains(v.Name)).Select(v => (v.Name, Slot(v.Name), v.ElementType)).ToArray();

        var nodes = TopologicalOrder(graph);
        var unsupported = nodes.Where(n => converters.Find(model, n) is null).ToArray();
        if (unsupported.Length > 0) throw UnsupportedOperators(model, unsupported);

        var roles = new Dictionary<string, InputRole>(StringComparer.Ordinal);
        var steps = new List<Step>();
        var constantCount = 0;
        foreach (var node in nodes)
        {
            long opset = model.GetOpsetVersion(node.Domain) ?? 1;
            var converter = converters.Find(model, node)!;
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is { Initializer: not null } input) roles[input.Name] = Strongest(roles.GetValueOrDefault(input.Name, InputRole.Static), converter.RoleOf(i, opset), input.Initializer);
            }
            var context = new ConversionContext(node, opset, _modelPath, tensor =>
            {
                string name = "constant_" + constantCount++.ToString(CultureInfo.InvariantCulture);
                register_buffer(name, tensor.DetachFromDisposeScope(), persistent: false);
                return () => get_buffer(name)!;
            });
            var kernel = converter.Convert(context);
            var inputSlots = node.Inputs.Select(v => v is null ? -1 : Slot(v.Name)).ToArray();
            var outputSlots = node.Outputs.Select(v => v is null ? -1 : Slot(v.Name)).ToArray();
            steps.Add(new Step(node, opset, kernel, inputSlots, outputSlots));
        }
        _steps = [.. steps];

        var stored = new List<StoredTensor>();
        foreach (var value in graph.Initializers)
        {
            var tensor = value.Initializer!;
            if (TensorConversion.ToScalarType(tensor.ElementType) is null) continue;
            var role = roles.GetValueOrDefault(value.Name, InputRole.Static);
            string registered = RegisteredName(stored.Count, value.Name);
            var data = TensorConversion.ToTorch(tensor).DetachFromDisposeScope();
            if (role == InputRole.Weight)
            {
                register_parameter(registered, new TorchSharp.Modules.Parameter(data, requires_grad: true));
            }
            else
            {
                register_buffer(registered, data, persistent: role == InputRole.RunningStatistic);
            }
            stored.Add(new StoredTensor(value.Name, registered, Slot(value.Name), role, tensor.ElementType, tensor.Dims.ToArray()));
        }
        _stored = [.. stored];
        _outputs = graph.Outputs.Select(v => v.Name).ToArray();
        foreach (string output in _outputs) Slot(output);
        _slotCount = _slotByName.Count;

        int Slot(string name)
        {
            if (!_slotByName.TryGetValue(name, out int slot)) _slotByName[name] = slot = _slotByName.Count;
            return slot;
        }
    }

    /// <summary>
    /// Builds the module of <paramref name="model"/>'s main graph, loading TorchSharp first
    /// (<see cref="TorchSharpLoader.EnsureLoaded"/>). The module starts in training mode, as
    /// every TorchSharp module does; call <c>eval()</c> for inference.
    /// </summary>
    /// <exception cref="ModelOptException">MOPT0301 naming every node whose operator has no converter at the model's opset; MOPT0302 for a node that cannot be converted as written; MOPT0300 when TorchSharp does not load.</exception>
    public static OnnxModule Create(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        TorchSharpLoader.EnsureLoaded();
        return new OnnxModule(model, OperatorConverters.Registry);
    }

    /// <summary>The graph inputs that must be given to <see cref="forward"/> (inputs with an initializer default to it), in graph order.</summary>
    public IReadOnlyList<string> InputNames => _inputs.Select(i => i.Name).ToArray();

    /// <summary>The graph outputs <see cref="forward"/> returns, in graph order.</summary>
    public IReadOnlyList<string> OutputNames => _outputs;

    /// <summary>The names of the initializers that are trainable parameters, in graph order.</summary>
    public IReadOnlyList<string> TrainableInitializerNames => _stored.Where(s => s.Role == InputRole.Weight).Select(s => s.InitializerName).ToArray();

    /// <summary>The names of the initializers that are running statistics (updated in training mode, written back), in graph order.</summary>
    public IReadOnlyList<string> RunningStatisticNames => _stored.Where(s => s.Role == InputRole.RunningStatistic).Select(s => s.InitializerName).ToArray();

    /// <summary>The trainable parameters by initializer name, in graph order (what an optimizer trains; the same objects as <c>parameters()</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, TorchSharp.Modules.Parameter>> InitializerParameters
        => _stored.Where(s => s.Role == InputRole.Weight).Select(s => KeyValuePair.Create(s.InitializerName, get_parameter(s.RegisteredName)!)).ToArray();

    /// <summary>The current value of initializer <paramref name="initializerName"/>: its parameter, running statistic or constant.</summary>
    public TorchTensor GetInitializer(string initializerName)
    {
        var stored = _stored.FirstOrDefault(s => s.InitializerName == initializerName)
            ?? throw new ArgumentException($"The model has no initializer '{initializerName}' that the module holds.", nameof(initializerName));
        return Fetch(stored);
    }

    /// <summary>True when the graph has a value named <paramref name="name"/> (an input, initializer or node output) that <see cref="Run"/> can return.</summary>
    public bool HasValue(string name) => _slotByName.ContainsKey(name);

    /// <summary>Runs the graph on <paramref name="inputs"/> (by input name) and returns the graph outputs by name.</summary>
    public override IReadOnlyDictionary<string, TorchTensor> forward(IReadOnlyDictionary<string, TorchTensor> inputs) => Run(inputs, []);

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> and returns the graph outputs and the values
    /// named in <paramref name="extraValueNames"/> (intermediate values for feature distillation,
    /// initializers, inputs), by name. The tensors belong to the caller's dispose scope.
    /// </summary>
    /// <param name="inputs">The graph inputs by name; an initializer's name replaces that initializer for this run (quantization-aware training passes its rounded weights so).</param>
    /// <param name="extraValueNames">Values to return besides the graph outputs.</param>
    /// <param name="valueTransforms">Functions applied to values as they are computed, by value name, before any node reads them (quantization-aware training rounds activations so); null for none.</param>
    /// <exception cref="ModelOptException">MOPT0303 when an input is missing, unknown or of the wrong element type, or an extra name is not a value of the graph; MOPT0302 when a node fails at run time.</exception>
    public IReadOnlyDictionary<string, TorchTensor> Run(IReadOnlyDictionary<string, TorchTensor> inputs, IEnumerable<string> extraValueNames,
        IReadOnlyDictionary<string, Func<TorchTensor, TorchTensor>>? valueTransforms = null)
    {
        ArgumentNullException.ThrowIfNull(extraValueNames);
        return Execute(inputs, _outputs.Concat(extraValueNames).Distinct(StringComparer.Ordinal).ToArray(), valueTransforms, stopEarly: false);
    }

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> only as far as the values named in
    /// <paramref name="valueNames"/> need (the nodes after the last of them are skipped) and
    /// returns just those values, by name: what layer-by-layer work reads without paying for the
    /// rest of the graph. The tensors belong to the caller's dispose scope.
    /// </summary>
    /// <exception cref="ModelOptException">As <see cref="Run"/>.</exception>
    public IReadOnlyDictionary<string, TorchTensor> RunTo(IReadOnlyDictionary<string, TorchTensor> inputs, IEnumerable<string> valueNames)
    {
        ArgumentNullException.ThrowIfNull(valueNames);
        return Execute(inputs, valueNames.Distinct(StringComparer.Ordinal).ToArray(), null, stopEarly: true);
    }

    private Dictionary<string, TorchTensor> Execute(IReadOnlyDictionary<string, TorchTensor> inputs, string[] wanted,
        IReadOnlyDictionary<string, Func<TorchTensor, TorchTensor>>? valueTransforms, bool stopEarly)
    {
        var transforms = valueTransforms is { Count: > 0 }
            ? valueTransforms.Where(t => _slotByName.ContainsKey(t.Key)).ToDictionary(t => _slotByName[t.Key], t => t.Value)
            : null;
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (string name in wanted)
        {
            if (!_slotByName.ContainsKey(name)) throw Mismatch($"'{name}' is not a value of the graph");
        }
        var slots = new TorchTensor?[_slotCount];
        foreach (var stored in _stored) slots[stored.Slot] = Fetch(stored);
        foreach (var name in inputs.Keys)
        {
            if (!_inputs.Any(i => i.Name == name) && !_stored.Any(s => s.InitializerName == name)) throw Mismatch($"'{name}' is not an input of the model (inputs: {string.Join(", ", _inputs.Select(i => i.Name))})");
        }
        foreach (var (name, slot, type) in _inputs)
        {
            if (!inputs.TryGetValue(name, out var tensor)) throw Mismatch($"input '{name}' is missing");
            if (type != ElementType.Undefined && TensorConversion.ToScalarType(type) is { } expected && tensor.dtype != expected)
            {
                throw Mismatch($"input '{name}' is {tensor.dtype}, the model declares {ElementTypes.OnnxName(type)}");
            }
            slots[slot] = tensor;
        }
        foreach (var (name, tensor) in inputs)
        {
            if (_stored.FirstOrDefault(s => s.InitializerName == name) is { } overridden) slots[overridden.Slot] = tensor;
        }

        bool training = this.training;
        int last = _steps.Length - 1;
        if (stopEarly)
        {
            var wantedSlots = wanted.Select(n => _slotByName[n]).ToHashSet();
            last = Array.FindLastIndex(_steps, s => s.Outputs.Any(wantedSlots.Contains));
        }
        foreach (var step in _steps.AsSpan(0, last + 1))
        {
            var arguments = new TorchTensor?[step.Inputs.Length];
            for (int i = 0; i < arguments.Length; i++) arguments[i] = step.Inputs[i] < 0 ? null : slots[step.Inputs[i]];
            TorchTensor[] results;
            try
            {
                results = step.Kernel(arguments, training);
            }
            catch (Exception e) when (e is not ModelOptException and (ExternalException or ArgumentException or InvalidOperationException or IndexOutOfRangeException))
            {
                throw new ModelOptException(DiagnosticCode.DistillationUnsupportedNode, _modelPath, string.Create(CultureInfo.InvariantCulture,
                    $"{step.Node} (opset {step.Opset}) fails in TorchSharp: {FirstLine(e.Message)}. Keep the node out of distillation with ExcludeNodes, or set Distill=false for this model."), e);
            }
            for (int i = 0; i < step.Outputs.Length && i < results.Length; i++)
            {
                if (step.Outputs[i] >= 0) slots[step.Outputs[i]] = transforms is not null && transforms.TryGetValue(step.Outputs[i], out var transform) ? transform(results[i]) : results[i];
            }
        }

        var result = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        foreach (string name in wanted)
        {
            result[name] = slots[_slotByName[name]] ?? throw Mismatch($"value '{name}' is not computed (an omitted optional output, or a value no node produces)");
        }
        return result;
    }

    /// <summary>
    /// Copies the trained parameters and running statistics into the initializers of the same
    /// name in <paramref name="model"/> (the model this module was built from, or a clone of
    /// it), keeping each initializer's element type and shape. An initializer whose value did not
    /// change is left untouched, so an untrained module writes back a byte-identical model.
    /// </summary>
    /// <returns>The number of initializers whose value changed.</returns>
    public int WriteBack(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var byName = model.Graph.Initializers.ToDictionary(v => v.Name, StringComparer.Ordinal);
        int changed = 0;
        foreach (var stored in _stored.Where(s => s.Role is InputRole.Weight or InputRole.RunningStatistic))
        {
            if (!byName.TryGetValue(stored.InitializerName, out var value) || value.Initializer is not { } original)
            {
                throw new ArgumentException($"The model has no initializer '{stored.InitializerName}' to write back into.", nameof(model));
            }
            if (original.ElementType != stored.Type || !original.Dims.SequenceEqual(stored.Dims))
            {
                throw new ArgumentException($"Initializer '{stored.InitializerName}' is {original}, the module holds {ElementTypes.OnnxName(stored.Type)}[{string.Join(",", stored.Dims)}].", nameof(model));
            }
            byte[] bytes = TensorConversion.ToRawBytes(Fetch(stored), stored.Type);
            if (original.GetRawData().Span.SequenceEqual(bytes)) continue;
            value.Initializer = OnnxTensor.FromRawData(stored.InitializerName, stored.Type, stored.Dims, bytes);
            changed++;
        }
        return changed;
    }

    private TorchTensor Fetch(StoredTensor stored)
        => stored.Role == InputRole.Weight ? get_parameter(stored.RegisteredName)! : get_buffer(stored.RegisteredName)!;

    private ModelOptException Mismatch(string what)
        => new(DiagnosticCode.DistillationInputsMismatch, _modelPath, $"The trainable model was run with inputs that do not fit it: {what}.");

    /// <summary>A weight anywhere makes the initializer trainable; a running statistic wins over a constant; an operand is trainable when it is more than a scalar.</summary>
    private static InputRole Strongest(InputRole current, InputRole use, OnnxTensor tensor)
    {
        if (tensor.ElementType is not (ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16)) return InputRole.Static;
        if (use == InputRole.Operand) use = tensor.ElementCount > 1 ? InputRole.Weight : InputRole.Static;
        return (InputRole)Math.Min((int)current, (int)use);
    }

    /// <summary>TorchSharp's names may not hold dots (they separate submodules): the index keeps sanitized names unique.</summary>
    private static string RegisteredName(int index, string initializerName)
    {
        var builder = new StringBuilder("i").Append(index.ToString(CultureInfo.InvariantCulture)).Append('_');
        foreach (char c in initializerName) builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return builder.ToString();
    }

    /// <summary>The nodes in an order where every value is produced before it is read: the file's order where it already is (Kahn's algorithm, ties by file position).</summary>
    private List<Node> TopologicalOrder(Graph graph)
    {
        var available = graph.Inputs.Concat(graph.Initializers).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                if (output is not null) producers[output.Name] = node;
            }
        }
        var pending = new List<Node>(graph.Nodes);
        var order = new List<Node>(pending.Count);
        while (pending.Count > 0)
        {
            int ready = pending.FindIndex(n => n.Inputs.All(v => v is null || available.Contains(v.Name)));
            if (ready < 0)
            {
                var stuck = pending[0];
                var missing = stuck.Inputs.First(v => v is not null && !available.Contains(v.Name))!;
                throw new ModelOptException(DiagnosticCode.InvalidGraph, _modelPath, producers.ContainsKey(missing.Name)
                    ? $"{stuck} reads '{missing.Name}', which is produced in a cycle."
                    : $"{stuck} reads '{missing.Name}', which is no input, initializer or node output of the graph.");
            }
            var node = pending[ready];
            pending.RemoveAt(ready);
            order.Add(node);
            foreach (var output in node.Outputs)
            {
                if (output is not null) available.Add(output.Name);
            }
        }
        return order;
    }

    private ModelOptException UnsupportedOperators(OnnxModel model, Node[] nodes)
    {
        var lines = nodes.Take(10).Select(n => string.Create(CultureInfo.InvariantCulture,
            $"{n} of domain '{(n.Domain.Length == 0 ? "ai.onnx" : n.Domain)}' at opset {model.GetOpsetVersion(n.Domain)?.ToString(CultureInfo.InvariantCulture) ?? "(not imported)"}"));
        string more = nodes.Length > 10 ? $" and {nodes.Length - 10} more" : "";
        return new ModelOptException(DiagnosticCode.DistillationUnsupportedOperator, _modelPath,
            $"{nodes.Length} node(s) have no converter to a trainable module: {string.Join("; ", lines)}{more}. Keep them out of distillation with ExcludeNodes, or set Distill=false for this model.");
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim().TrimEnd('.');
    }

    private sealed record Step(Node Node, long Opset, NodeKernel Kernel, int[] Inputs, int[] Outputs);

    private sealed record StoredTensor(string InitializerName, string RegisteredName, int Slot, InputRole Role, ElementType Type, long[] Dims);
}
