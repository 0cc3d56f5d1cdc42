using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Binds the tensors of a sample to the model's inputs and checks that each fits: tensors whose
/// name is an input's name go there, the others fill the remaining inputs in order. The inputs
/// are the graph inputs without an initializer (those with one are defaults a caller may
/// leave out, IR.md "Graphs").
/// </summary>
internal sealed class SampleBinding
{
    private readonly Value[] _inputs;
    private readonly string? _modelPath;
    private readonly string _sampleKind;

    public SampleBinding(OnnxModel model)
        : this(model.Graph.Inputs.Where(v => v.Initializer is null), model.SourcePath)
    {
    }

    /// <summary>
    /// Binds to <paramref name="inputs"/> directly: for callers that hold the model as bytes only
    /// (validation describes the inputs from ONNX Runtime's metadata), so binding rules stay one.
    /// </summary>
    /// <param name="inputs">The inputs to fill, in order.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="sampleKind">How messages name a sample ("calibration", "validation").</param>
    public SampleBinding(IEnumerable<Value> inputs, string? modelPath, string sampleKind = "calibration")
    {
        _inputs = [.. inputs];
        _modelPath = modelPath;
        _sampleKind = sampleKind;
    }

    /// <summary>The model inputs, in graph order.</summary>
    public IReadOnlyList<Value> Inputs => _inputs;

    /// <summary>The sample's tensors in the order of <see cref="Inputs"/>.</summary>
    public SampleTensor[] Bind(Sample sample)
    {
        var bound = new SampleTensor?[_inputs.Length];
        var unnamed = new List<SampleTensor>();
        foreach (var tensor in sample.Tensors)
        {
            int index = tensor.Name is null ? -1 : Array.FindIndex(_inputs, v => v.Name == tensor.Name);
            if (index >= 0 && bound[index] is null) bound[index] = tensor;
            else if (index >= 0) throw Mismatch(sample, $"gives input '{tensor.Name}' twice ({bound[index]!.Source} and {tensor.Source})");
            else unnamed.Add(tensor);
        }
        int next = 0;
        for (int i = 0; i < bound.Length; i++)
        {
            if (bound[i] is not null) continue;
            if (next == unnamed.Count)
            {
                throw Mismatch(sample, $"has no tensor for model input '{_inputs[i].Name}' ({sample.Tensors.Count} tensor(s) for {_inputs.Length} input(s): {string.Join(", ", _inputs.Select(v => v.Name))})");
            }
            bound[i] = unnamed[next++];
        }
        if (next < unnamed.Count)
        {
            throw Mismatch(sample, $"has {sample.Tensors.Count} tensors for the model's {_inputs.Length} input(s) ({string.Join(", ", _inputs.Select(v => v.Name))}); '{unnamed[next].Source}' matches none");
        }

        for (int i = 0; i < bound.Length; i++) CheckFits(sample, _inputs[i], bound[i]!);
        return bound!;
    }

    /// <summary>The element type must be the declared one; the rank and every fixed dimension must match (symbolic dimensions take any size).</summary>
    private void CheckFits(Sample sample, Value input, SampleTensor tensor)
    {
        var declaredType = input.ElementType;
        var shape = input.Shape;
        bool typeOk = declaredType == ElementType.Undefined || declaredType == tensor.ElementType;
        bool shapeOk = shape is null
            || (shape.Count == tensor.Shape.Count && shape.Select((d, k) => d.Size is null || d.Size == tensor.Shape[k]).All(ok => ok));
        if (typeOk && shapeOk) return;

        string declared = $"{(declaredType == ElementType.Undefined ? "?" : ElementTypes.OnnxName(declaredType))}{(shape is null ? "[?]" : "[" + string.Join(",", shape) + "]")}";
        throw new ModelOptException(DiagnosticCode.CalibrationShapeMismatch, tensor.Source,
            $"{_sampleKind} sample '{sample.Name}': tensor '{tensor.Source}' is {ElementTypes.OnnxName(tensor.ElementType)}{tensor.ShapeText}, but model input '{input.Name}' is {declared}. " +
            "Give every sample the model's input shape and type (fix symbolic dimensions with InputShapes if needed).");
    }

    private ModelOptException Mismatch(Sample sample, string what)
        => new(DiagnosticCode.CalibrationInputsMismatch, _modelPath, $"{_sampleKind} sample '{sample.Name}' {what}.");
}
