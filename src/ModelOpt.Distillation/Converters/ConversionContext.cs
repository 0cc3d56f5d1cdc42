using System.Globalization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>What a converter sees of its node: the node, the opset it is read at, its attributes, and how to refuse it.</summary>
public sealed class ConversionContext
{
    private readonly Func<torch.Tensor, Func<torch.Tensor>> _addConstant;

    internal ConversionContext(Node node, long opset, string? modelPath, Func<torch.Tensor, Func<torch.Tensor>> addConstant)
    {
        Node = node;
        Opset = opset;
        ModelPath = modelPath;
        _addConstant = addConstant;
    }

    /// <summary>
    /// Hands a tensor made at build time (a <c>Constant</c>'s value) to the module, which keeps it
    /// as a buffer (so it moves with the module and no dispose scope of a caller frees it); the
    /// kernel reads it through the function returned.
    /// </summary>
    public Func<torch.Tensor> AddConstant(torch.Tensor value) => _addConstant(value);

    /// <summary>The node being converted.</summary>
    public Node Node { get; }

    /// <summary>The version of the node's domain the model imports.</summary>
    public long Opset { get; }

    /// <summary>The model's file, for diagnostics; null for a model built in memory.</summary>
    public string? ModelPath { get; }

    /// <summary>True when the node has input <paramref name="index"/> and it is not omitted.</summary>
    public bool HasInput(int index) => index < Node.Inputs.Count && Node.Inputs[index] is not null;

    /// <summary>The integer attribute <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public long Int(string name, long fallback) => Node.GetAttribute(name)?.Int ?? fallback;

    /// <summary>The float attribute <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public float Float(string name, float fallback) => Node.GetAttribute(name)?.Float ?? fallback;

    /// <summary>The string attribute <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public string String(string name, string fallback) => Node.GetAttribute(name)?.String ?? fallback;

    /// <summary>The integer-list attribute <paramref name="name"/>, or null when the node has none.</summary>
    public long[]? Ints(string name) => Node.GetAttribute(name)?.Ints.ToArray();

    /// <summary>The float-list attribute <paramref name="name"/>, or null when the node has none.</summary>
    public float[]? Floats(string name) => Node.GetAttribute(name)?.Floats.ToArray();

    /// <summary>The tensor attribute <paramref name="name"/>, or null.</summary>
    public ModelOpt.Onnx.Ir.Tensor? TensorAttribute(string name) => Node.GetAttribute(name)?.Tensor;

    /// <summary>MOPT0302 for this node: <paramref name="what"/> says what is not supported.</summary>
    public ModelOptException Unsupported(string what)
        => new(DiagnosticCode.DistillationUnsupportedNode, ModelPath, string.Create(CultureInfo.InvariantCulture,
            $"{Node} (opset {Opset}) cannot be converted to a trainable module: {what}. Keep the node out of distillation with ExcludeNodes, or set Distill=false for this model."));
}
