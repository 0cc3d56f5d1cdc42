using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Analysis;

/// <summary>
/// Concrete shapes of the values of a model, propagated from the input shapes through the
/// operators that cost analysis meets in vision and MLP models (convolutions, pooling,
/// element-wise and broadcasting operators, Gemm, MatMul, Flatten, Reshape, Concat, Transpose,
/// Pad, Squeeze, Unsqueeze). Deliberately not ONNX shape inference: an operator it does not
/// know leaves its outputs unknown (unless the model declares their shapes), and whoever reads
/// the shapes says so rather than guessing.
/// </summary>
internal sealed class StaticShapes
{
    // Output 0 has the shape of input 0 (ONNX Operators.md: these are element-wise or normalize in place).
    private static readonly HashSet<string> SameShapeAsFirstInput = new(StringComparer.Ordinal)
    {
        "Abs", "BatchNormalization", "Cast", "Ceil", "Clip", "Dropout", "Elu", "Erf", "Exp", "Floor", "Gelu",
        "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization", "LayerNormalization", "LRN", "LeakyRelu",
        "Log", "LogSoftmax", "Neg", "Not", "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Softmax",
        "Softplus", "Softsign", "Sqrt", "Tanh",
    };

    // Outputs follow multidirectional (numpy) broadcasting of all inputs (ONNX Broadcasting.md).
    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "And", "Div", "Equal", "Greater", "Less", "Max", "Mean", "Min", "Mul", "Or", "Pow", "PRelu", "Sub", "Sum", "Where",
    };

    private readonly Dictionary<Value, long[]> _shapes = [];

    private StaticShapes()
    {
    }

    /// <summary>The shape of <paramref name="value"/>, or null when it is not known.</summary>
    public long[]? Of(Value? value) => value is not null && _shapes.TryGetValue(value, out var shape) ? shape : null;

    /// <summary>
    /// Propagates shapes through every graph of <paramref name="model"/>. Graph inputs take their
    /// shape from <paramref name="inputShapes"/> (by name) or else from the declaration when every
    /// dimension is a number.
    /// </summary>
    public static StaticShapes Infer(OnnxModel model, IReadOnlyDictionary<string, long[]>? inputShapes)
    {
        var shapes = new StaticShapes();
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var input in graph.Inputs)
            {
                if (inputShapes is not null && inputShapes.TryGetValue(input.Name, out var given)) shapes._shapes[input] = given;
                else if (Declared(input) is { } declared) shapes._shapes[input] = declared;
            }
            foreach (var initializer in graph.Initializers)
            {
                if (initializer.Initializer is { } tensor) shapes._shapes.TryAdd(initializer, [.. tensor.Dims]);
            }
        }
        foreach (var node in model.Graph.AllNodes())
        {
            var outputs = shapes.OutputShapes(model, node);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i] is not { } output) continue;
                var shape = outputs is not null && i < outputs.Length ? outputs[i] : null;
                shape ??= Declared(output);
                if (shape is not null) shapes._shapes[output] = shape;
            }
        }
        return shapes;
    }

    private static long[]? Declared(Value value)
    {
        if (value.Shape is not { } dims || dims.Any(d => d.Size is null)) return null;
        return dims.Select(d => d.Size!.Value).ToArray();
    }

    private long[]?[]? OutputShapes(OnnxModel model, Node node)
    {
        if (node.Domain is not ("" or "ai.onnx")) return null;
        var x = node.Inputs.Count > 0 ? Of(node.Inputs[0]) : null;
        string op = node.OpType;
        if (op == "Constant") return ConstantValues.FromConstantNode(node) is { } constant ? [[.. constant.Dims]] : null;
        if (SameShapeAsFirstInput.Contains(op)) return x is null ? null : [x];
        if (Broadcasting.Contains(op)) return [Broadcast(node.Inputs.Select(Of).ToArray())];
        return op switch
        {
            "Conv" => [ConvolutionShapes.Conv(node, x, Of(node.Inputs.Count > 1 ? node.Inputs[1] : null))],
            "ConvTranspose" => [ConvolutionShapes.ConvTranspose(node, x, Of(node.Inputs.Count > 1 ? node.Inputs[1] : null))],
            "MaxPool" or "AveragePool" or "LpPool" => [ConvolutionShapes.Pool(node, x)],
            "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" => x is { Length: >= 2 } ? [[x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)]] : null,
            "Gemm" => [Gemm(node, x, Of(node.Inputs[1]))],
            "MatMul" => [MatMul(x, Of(node.Inputs[1]))],
            "Flatten" => [Flatten(node, x)],
            "Reshape" => [Reshape(model, node, x)],
            "Concat" => [Concat(node)],
            "Transpose" => [Transpose(node, x)],
            "Pad" => [Pad(model, node, x)],
            "Squeeze" => [Squeeze(model, node, x)],
            "Unsqueeze" => [Unsqueeze(model, node, x)],
            _ => null,
        };
    }

    /// <summary>Multidirectional broadcasting (ONNX Broadcasting.md); null when any input's shape is unknown.</summary>
    private static long[]? Broadcast(long[]?[] shapes)
    {
        if (shapes.Length == 0 || shapes.Any(s => s is null)) return null;
        int rank = shapes.Max(s => s!.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long size = 1;
            foreach (var shape in shapes)
            {
                int j = i - (rank - shape!.Length);
                if (j < 0 || shape[j] == 1) continue;
                if (size != 1 && size != shape[j]) return null;
                size = shape[j];
            }
            result[i] = size;
        }
        return result;
    }

    private static long[]? Gemm(Node node, long[]? a, long[]? b)
    {
        if (a is not { Length: 2 } || b is not { Length: 2 }) return null;
        long m = node.GetAttribute("transA") is { Int: not 0 } ? a[1] : a[0];
        long n = node.GetAttribute("transB") is { Int: not 0 } ? b[0] : b[1];
        return [m, n];
    }

    /// <summary>numpy.matmul shapes: 1-D operands gain and then lose a dimension, batch dimensions broadcast.</summary>
    private static long[]? MatMul(long[]? a, long[]? b)
    {
        if (a is not { Length: > 0 } || b is not { Length: > 0 }) return null;
        long[] a2 = a.Length == 1 ? [1, a[0]] : a;
        long[] b2 = b.Length == 1 ? [b[0], 1] : b;
        var batch = Broadcast([a2[..^2], b2[..^2]]);
        if (batch is null) return null;
        var result = new List<long>(batch);
        if (a.Length > 1) result.Add(a2[^2]);
        if (b.Length > 1) result.Add(b2[^1]);
        return [.. result];
    }

    private static long[]? Flatten(Node node, long[]? x)
    {
        if (x is null) return null;
        long axis = node.GetAttribute("axis")?.Int ?? 1;
        if (axis < 0) axis += x.Length;
        if (axis < 0 || axis > x.Length) return null;
        long outer = 1, inner = 1;
        for (int i = 0; i < x.Length; i++)
        {
            if (i < axis) outer *= x[i];
            else inner *= x[i];
        }
        return [outer, inner];
    }

    private static long[]? Reshape(OnnxModel model, Node node, long[]? x)
    {
        if (x is null) return null;
        // Opsets 1–4 carry the target in the "shape" attribute; from opset 5 it is input 1.
        long[]? target = node.Inputs.Count > 1
            ? ConstantInts(model, node.Inputs[1])
            : node.GetAttribute("shape")?.Ints.ToArray();
        if (target is null) return null;
        bool allowZero = node.GetAttribute("allowzero") is { Int: not 0 };
        var result = new long[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Length) return null;
                d = x[i];
            }
            if (d == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                continue;
            }
            result[i] = d;
            known *= d;
        }
        long total = x.Aggregate(1L, (p, d) => p * d);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) return null;
            result[inferred] = total / known;
        }
        return result;
    }

    private long[]? Concat(Node node)
    {
        var inputs = node.Inputs.Select(Of).ToArray();
        if (inputs.Length == 0 || inputs.Any(s => s is null) || node.GetAttribute("axis") is not { } axisAttribute) return null;
        int rank = inputs[0]!.Length;
        long axis = axisAttribute.Int < 0 ? axisAttribute.Int + rank : axisAttribute.Int;
        if (axis < 0 || axis >= rank || inputs.Any(s => s!.Length != rank)) return null;
        var result = (long[])inputs[0]!.Clone();
        result[axis] = inputs.Sum(s => s![axis]);
        return result;
    }

    private static long[]? Transpose(Node node, long[]? x)
    {
        if (x is null) return null;
        var perm = node.GetAttribute("perm")?.Ints.ToArray() ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Length || perm.Any(p => p < 0 || p >= x.Length)) return null;
        return perm.Select(p => x[p]).ToArray();
    }

    private static long[]? Pad(OnnxModel model, Node node, long[]? x)
    {
        if (x is null) return null;
        // Opsets 1 and 2 carry "pads" (or "paddings" in opset 1) as an attribute; from opset 11 it is input 1.
        long[]? pads = node.Inputs.Count > 1
            ? ConstantInts(model, node.Inputs[1])
            : (node.GetAttribute("pads") ?? node.GetAttribute("paddings"))?.Ints.ToArray();
        // The "axes" input (opset 18) pads a subset of the axes; not handled, so unknown.
        if (pads is null || pads.Length != 2 * x.Length || node.Inputs.Count > 3 && node.Inputs[3] is not null) return null;
        return x.Select((d, i) => d + pads[i] + pads[i + x.Length]).ToArray();
    }

    private static long[]? Squeeze(OnnxModel model, Node node, long[]? x)
    {
        if (x is null) return null;
        long[]? axes = node.Inputs.Count > 1 ? ConstantInts(model, node.Inputs[1]) : node.GetAttribute("axes")?.Ints.ToArray();
        if (axes is null)
        {
            if (node.Inputs.Count > 1 && node.Inputs[1] is not null) return null;
            return x.Where(d => d != 1).ToArray();
        }
        var drop = axes.Select(a => a < 0 ? a + x.Length : a).ToHashSet();
        return x.Where((_, i) => !drop.Contains(i)).ToArray();
    }

    private static long[]? Unsqueeze(OnnxModel model, Node node, long[]? x)
    {
        if (x is null) return null;
        long[]? axes = node.Inputs.Count > 1 ? ConstantInts(model, node.Inputs[1]) : node.GetAttribute("axes")?.Ints.ToArray();
        if (axes is null) return null;
        int rank = x.Length + axes.Length;
        var insert = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        var result = new long[rank];
        int next = 0;
        for (int i = 0; i < rank; i++) result[i] = insert.Contains(i) ? 1 : next < x.Length ? x[next++] : -1;
        return result.Contains(-1) ? null : result;
    }

    /// <summary>The values of a constant INT64 tensor, or null.</summary>
    private static long[]? ConstantInts(OnnxModel model, Value? value)
    {
        if (value is null || ConstantValues.TryGetTensor(model, value) is not { ElementType: ElementType.Int64 } tensor) return null;
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensor.GetRawData().Span).ToArray();
    }
}
