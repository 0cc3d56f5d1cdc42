using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Runtime.Tests.Validation;

/// <summary>Small models for the validation tests, built so that their outputs can be computed by hand.</summary>
internal static class ValidationModels
{
    public const int Rows = 2, Features = 4, Classes = 3;

    public static readonly float[] Weights = [0.5f, -1f, 0.25f, 1f, 0.75f, -0.5f, -0.25f, 0.5f, 1f, 0.125f, -0.75f, 0.5f];
    public static readonly float[] Bias = [0.1f, -0.2f, 0.3f];

    /// <summary><see cref="LinearModel"/> serialized.</summary>
    public static byte[] Linear(float scale = 1, float biasShift = 0, float[]? bias = null)
        => OnnxModelWriter.ToBytes(LinearModel(scale, biasShift, bias));

    /// <summary>y = x·W·<paramref name="scale"/> + b + <paramref name="biasShift"/>: x [2,4], W [4,3], y [2,3] (a tiny classifier).</summary>
    public static OnnxModel LinearModel(float scale = 1, float biasShift = 0, float[]? bias = null)
    {
        var g = new GraphBuilder("linear");
        var x = g.Input("x", Rows, Features);
        var w = g.Weight("W", [Features, Classes], [.. Weights.Select(v => v * scale)]);
        var b = g.Weight("b", [Classes], [.. (bias ?? Bias).Select(v => v + biasShift)]);
        var xw = g.Op("MatMul", [x, w], "xw");
        g.Output(g.Op("Add", [xw, b], "y"));
        return g.Build(13);
    }

    /// <summary>y = x ⊙ s, x [rows, 3]: with s = [1, 1, -1] the argmax of rows flips in a known way.</summary>
    public static byte[] Scale(float[] s, long rows)
    {
        var g = new GraphBuilder("scale");
        var x = g.Input("x", rows, s.Length);
        var w = g.Weight("s", [s.Length], s);
        g.Output(g.Op("Mul", [x, w], "y"));
        return OnnxModelWriter.ToBytes(g.Build(13));
    }

    /// <summary>A FLOAT input with symbolic dimensions given as strings (e.g. "N", "3", "L").</summary>
    public static Value SymbolicInput(GraphBuilder g, string name, ElementType type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (string d in dims)
        {
            shape.Dim.Add(long.TryParse(d, out long size)
                ? new TensorShapeProto.Types.Dimension { DimValue = size }
                : new TensorShapeProto.Types.Dimension { DimParam = d });
        }
        var value = new Value(name, new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } });
        g.Graph.Inputs.Add(value);
        return value;
    }

    /// <summary><see cref="ReluModel"/> serialized.</summary>
    public static byte[] Relu(params string[] dims) => OnnxModelWriter.ToBytes(ReluModel(dims));

    /// <summary>y = Relu(x) over an input of shape <paramref name="dims"/> (symbolic where not numbers).</summary>
    public static OnnxModel ReluModel(params string[] dims)
    {
        var g = new GraphBuilder("relu");
        var x = SymbolicInput(g, "x", ElementType.Float, dims);
        g.Output(g.Op("Relu", [x], "y"));
        return g.Build(13);
    }

    /// <summary>A one-sample data set of FLOAT tensors named "x".</summary>
    public static Sample Sample(string name, long[] shape, params float[] values)
        => new(name, [SampleTensor.FromFloats("x", shape, values)]);
}
