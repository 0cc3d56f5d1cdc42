using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Folding;

/// <summary>
/// The rank of a value and its number of channels (axis 1), where a short walk up the producers
/// proves them: a declared shape, or the Conv behind a chain of operators that keep both (the
/// elementwise activations, QuantizeLinear/DequantizeLinear, pooling, BatchNormalization, and
/// elementwise arithmetic with a constant that itself broadcasts on the channels). Deliberately
/// not shape inference: an operator it does not know ends the walk with no answer.
/// </summary>
internal sealed record ChannelLayout(int Rank, int Channels)
{
    private const int MaxWalk = 64;

    // Output 0 has input 0's rank and channel count (ONNX Operators.md): element-wise, or pooling over the spatial axes only.
    private static readonly HashSet<string> KeepsChannels = new(StringComparer.Ordinal)
    {
        "AveragePool", "BatchNormalization", "Clip", "DequantizeLinear", "Elu", "GlobalAveragePool", "GlobalMaxPool",
        "HardSigmoid", "HardSwish", "Identity", "LeakyRelu", "MaxPool", "QuantizeLinear", "Relu", "Sigmoid", "Tanh",
    };

    // Elementwise with broadcasting: the result keeps x's layout when the other input is a constant that broadcasts on the channels.
    private static readonly HashSet<string> Arithmetic = new(StringComparer.Ordinal) { "Add", "Div", "Mul", "Sub" };

    /// <summary>The layout of <paramref name="value"/>, or null when the walk cannot prove it.</summary>
    public static ChannelLayout? Of(OnnxModel model, Value value)
    {
        var current = value;
        var constants = new List<Value>();
        for (int step = 0; step < MaxWalk; step++)
        {
            if (Declared(current) is { } declared) return Checked(model, declared, constants);
            if (current.Producer is not { } producer || producer.Domain is not ("" or "ai.onnx") || current.ProducerOutputIndex != 0) return null;
            if (producer.OpType is "Conv" or "ConvTranspose")
            {
                // A valid layer has at least one weight per output channel; a group attribute that claims more (a corrupt model) proves nothing.
                return producer.Inputs.Count > 1 && producer.Inputs[1] is { } weight && WeightDims(model, weight) is { Count: >= 3 } dims
                    && OutputChannels(producer, dims) is var channels && channels > 0 && channels <= dims.Aggregate(1L, (a, d) => a * d)
                    ? Checked(model, new ChannelLayout(dims.Count, (int)channels), constants)
                    : null;
            }
            Value? next;
            if (KeepsChannels.Contains(producer.OpType))
            {
                next = producer.Inputs.Count > 0 ? producer.Inputs[0] : null;
            }
            else if (Arithmetic.Contains(producer.OpType) && producer.Inputs.Count == 2 && producer.Inputs[0] is { } left && producer.Inputs[1] is { } right)
            {
                bool leftConstant = ConstantValues.TryGetTensor(model, left) is not null, rightConstant = ConstantValues.TryGetTensor(model, right) is not null;
                if (leftConstant == rightConstant) return null;
                constants.Add(leftConstant ? left : right);
                next = leftConstant ? right : left;
            }
            else
            {
                return null;
            }
            if (next is null) return null;
            current = next;
        }
        return null;
    }

    /// <summary>
    /// Whether the constant <paramref name="constant"/>, combined elementwise with a value of this
    /// layout, broadcasts on the channels alone: a single value, or one per channel laid out on axis 1
    /// (<c>[C, 1, …]</c> one rank lower, <c>[1, C, 1, …]</c> of the same rank), so the result has the value's shape.
    /// </summary>
    public bool BroadcastsOnChannels(OnnxModel model, Value constant)
    {
        if (ConstantValues.TryGetTensor(model, constant) is not { } tensor || tensor.Dims.Count > Rank) return false;
        for (int i = 0; i < tensor.Dims.Count; i++)
        {
            int axis = Rank - tensor.Dims.Count + i;
            long size = tensor.Dims[i];
            if (size != 1 && !(axis == 1 && size == Channels)) return false;
        }
        return true;
    }

    /// <summary>The layout, if every constant met on the way keeps it.</summary>
    private static ChannelLayout? Checked(OnnxModel model, ChannelLayout layout, List<Value> constants)
        => layout.Rank >= 2 && layout.Channels > 0 && constants.All(c => layout.BroadcastsOnChannels(model, c)) ? layout : null;

    /// <summary>The dimensions of a constant weight, or of the constant a DequantizeLinear reads (a QDQ model's weight); null otherwise.</summary>
    private static IReadOnlyList<long>? WeightDims(OnnxModel model, Value weight)
    {
        if (ConstantValues.TryGetTensor(model, weight) is { } tensor) return tensor.Dims;
        return weight.Producer is { OpType: "DequantizeLinear", Domain: "" or "ai.onnx" } dequantize && dequantize.Inputs.Count > 0 && dequantize.Inputs[0] is { } stored
            ? ConstantValues.TryGetTensor(model, stored)?.Dims
            : null;
    }

    /// <summary>A Conv's output channels are W's axis 0 ([M, C/group, k…]); a ConvTranspose's are W's axis 1 times the groups ([C, M/group, k…]).</summary>
    private static long OutputChannels(Node producer, IReadOnlyList<long> weightDims)
        => producer.OpType == "Conv" ? weightDims[0] : weightDims[1] * (producer.GetAttribute("group")?.Int ?? 1);

    /// <summary>The layout a value's declared shape gives, when its rank and channel count are numbers.</summary>
    private static ChannelLayout? Declared(Value value)
    {
        if (value.Initializer is not null) return null;
        return value.Shape is { Count: >= 2 } shape && shape[1].Size is { } channels ? new ChannelLayout(shape.Count, (int)channels) : null;
    }
}
