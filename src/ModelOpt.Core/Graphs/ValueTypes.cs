using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>
/// The element type and rank of a value where the model declares them or a short walk up
/// the producers shows them. Deliberately small (not ONNX shape inference): passes use it for
/// facts such as "this Clip works on float16", and fail with a clear message when it knows nothing.
/// </summary>
public static class ValueTypes
{
    // Operators whose output 0 has the element type of their input 0 (ONNX type constraint T on both).
    private static readonly HashSet<string> SameTypeAsFirstInput = new(StringComparer.Ordinal)
    {
        "Abs", "Add", "AveragePool", "BatchNormalization", "Ceil", "Clip", "Concat", "Conv", "ConvTranspose",
        "DepthToSpace", "Div", "Dropout", "Elu", "Exp", "Expand", "Flatten", "Floor", "Gather", "Gemm",
        "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization", "LRN",
        "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "PRelu",
        "Pad", "Pow", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "Relu", "Reshape",
        "Resize", "Selu", "Sigmoid", "Slice", "Softmax", "Softplus", "SpaceToDepth", "Split", "Sqrt",
        "Squeeze", "Sub", "Sum", "Tanh", "Tile", "Transpose", "Unsqueeze", "Upsample",
    };

    private const int MaxWalk = 64;

    /// <summary>The element type of <paramref name="value"/>, or <see cref="ElementType.Undefined"/> when unknown.</summary>
    public static ElementType ElementTypeOf(Value value)
    {
        var current = value;
        for (int step = 0; step < MaxWalk && current is not null; step++)
        {
            if (current.Initializer is { } initializer) return initializer.ElementType;
            if (current.ElementType != ElementType.Undefined) return current.ElementType;
            var producer = current.Producer;
            if (producer is null || producer.Domain.Length > 0 && producer.Domain != "ai.onnx") return ElementType.Undefined;
            switch (producer.OpType)
            {
                case "Constant":
                    return ConstantValues.FromConstantNode(producer)?.ElementType ?? ElementType.Undefined;
                case "Cast":
                    return producer.GetAttribute("to") is { } to ? (ElementType)to.Int : ElementType.Undefined;
                case "DequantizeLinear":
                    // Its output has the element type of its scale (ONNX Operators.md).
                    current = producer.Inputs.Count > 1 ? producer.Inputs[1] : null;
                    break;
                case var op when SameTypeAsFirstInput.Contains(op) && current.ProducerOutputIndex == 0:
                    current = producer.Inputs.Count > 0 ? producer.Inputs[0] : null;
                    break;
                default:
                    return ElementType.Undefined;
            }
        }
        return ElementType.Undefined;
    }

    /// <summary>The rank of <paramref name="value"/>, or null when unknown.</summary>
    public static int? RankOf(Value value)
    {
        if (value.Initializer is { } initializer) return initializer.Dims.Count;
        if (value.Shape is { } shape) return shape.Count;
        return value.Producer switch
        {
            // Flatten and Gemm always produce matrices (ONNX Operators.md).
            { OpType: "Flatten" or "Gemm" } => 2,
            _ => null,
        };
    }
}
