using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static.Rounding;

/// <summary>
/// The input Gram matrices one quantization run accumulates for error-compensated rounding, for
/// <c>Static</c>'s Convs and matrix products and <c>Int4</c>'s MatMuls alike: a layer gets one
/// when its weight rows are at most <paramref name="maxColumns"/> long and, in the order layers
/// are added, while all of them fit in <paramref name="maxBytes"/> of float64; layers that read
/// the same value with the same geometry (a transformer's Q, K and V) share one.
/// </summary>
internal sealed class InputGramSet(int maxColumns, long maxBytes)
{
    private readonly Dictionary<(Value Input, GramGeometry Geometry), InputGram> _shared = [];
    private readonly Dictionary<Value, List<InputGram>> _byInput = [];
    private long _bytes;

    /// <summary>The matrices by the activation they read, for the calibration run's visitor.</summary>
    public IReadOnlyDictionary<Value, List<InputGram>> ByInput => _byInput;

    /// <summary>
    /// The accumulator for <paramref name="node"/>, whose weight has <paramref name="weightDims"/>
    /// and whose input 0 is the activation: a shared one, a new one, or null when the layer has no
    /// Gram form, its rows are too long or the budget is spent.
    /// </summary>
    public InputGram? Add(Node node, IReadOnlyList<long> weightDims)
    {
        if (node.Inputs.Count == 0 || node.Inputs[0] is not { } input) return null;
        if (InputGram.For(node, weightDims) is not { } gram || gram.Columns > maxColumns) return null;
        if (_shared.TryGetValue((input, gram.Geometry), out var existing)) return existing;
        long size = (long)gram.Groups * gram.Columns * gram.Columns * sizeof(double);
        if (_bytes + size > maxBytes) return null;
        _bytes += size;
        _shared[(input, gram.Geometry)] = gram;
        if (!_byInput.TryGetValue(input, out var list)) _byInput[input] = list = [];
        list.Add(gram);
        return gram;
    }
}
