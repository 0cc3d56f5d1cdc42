using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// LSTM with constant FLOAT weights W and R becomes ONNX Runtime's
/// <c>com.microsoft.DynamicQuantizeLSTM</c>: the same inputs and attributes, W and R stored in
/// 8 bits (transposed to <c>[D, K, 4H]</c>, scales per direction and gate unit), the input and
/// hidden state quantized to uint8 at every step inside the kernel. A CRNN-style text
/// recognizer keeps most of its weights in its bidirectional LSTMs; left in FLOAT they keep a
/// "quantized" file near its original size. ONNX has no integer LSTM, so this one operator is
/// ONNX Runtime's own (contrib domain version 1, which the pass imports).
/// </summary>
internal sealed class RecurrentQuantizer : IDynamicOpQuantizer
{
    /// <summary>The attributes DynamicQuantizeLSTM shares with LSTM (not <c>layout</c>, which it lacks).</summary>
    private static readonly HashSet<string> SharedAttributes =
        ["activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "input_forget"];

    public string? WhyNot(QuantizationContext context, Node node)
    {
        if (QuantizationContext.ActivationProblem(node) is { } activation) return activation;
        if (context.WeightProblem(node, 1, minRank: 3, maxRank: 3) is { } w) return w;
        if (node.Inputs.Count < 3) return "it has no recurrence weight R";
        if (context.WeightProblem(node, 2, minRank: 3, maxRank: 3) is { } r) return r;
        if ((node.GetAttribute("layout")?.Int ?? 0) != 0)
        {
            return "its layout is batch-first (layout=1); DynamicQuantizeLSTM reads [sequence, batch, features] only";
        }
        if (node.Attributes.FirstOrDefault(a => !SharedAttributes.Contains(a.Name) && a.Name != "layout") is { } unknown)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it has attribute '{unknown.Name}', which DynamicQuantizeLSTM does not take");
        }
        return null;
    }

    public (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node)
    {
        var w = context.AddQuantizedRecurrentWeight(node, 1);
        var r = context.AddQuantizedRecurrentWeight(node, 2);
        // LSTM's optional inputs: B, sequence_lens, initial_h, initial_c, P (indices 3 to 7); absent ones stay empty.
        Value? Optional(int index) => index < node.Inputs.Count ? node.Inputs[index] : null;
        Value?[] inputs = [node.Inputs[0], w.Quantized, r.Quantized, Optional(3), Optional(4), Optional(5), Optional(6), Optional(7),
            w.Scale, w.ZeroPoint, r.Scale, r.ZeroPoint];
        var replacement = new Node("DynamicQuantizeLSTM", inputs, [], node.Name, ContribOperators.Domain);
        replacement.Attributes.AddRange(node.Attributes.Where(a => SharedAttributes.Contains(a.Name)));
        GraphEdits.Replace(node, replacement);
        return (context.Options.PerChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor,
            context.Options.Symmetric ? null : "weights symmetric despite Symmetric=false: DynamicQuantizeLSTM takes zero point 0 only");
    }
}
