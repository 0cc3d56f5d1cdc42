using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// The Convs an equalization pass may rescale: changing a weight or bias that another node also
/// reads would change that node's result, so only weights read by this Conv alone qualify.
/// </summary>
internal static class EqualizableConv
{
    /// <summary>
    /// Output channels, input channels (the weight's second dimension times <c>group</c>) and
    /// the data's rank of a Conv of the main graph whose FLOAT constant weight, and bias if any,
    /// nothing else reads; null for any other node.
    /// </summary>
    public static (long ChannelsOut, long ChannelsIn, int Rank)? Channels(OnnxModel model, Node node)
    {
        if (node.OpType != "Conv" || node.Domain.Length != 0 || node.Graph != model.Graph || node.Outputs.Count != 1 || node.Inputs.Count < 2) return null;
        if (node.Inputs[1] is not { } w || w.Uses.Count != 1) return null;
        if (ConstantValues.TryGetTensor(model, w) is not { ElementType: ElementType.Float, Dims.Count: >= 3 } weight || weight.ElementCount == 0) return null;
        if (node.Inputs.Count > 2 && node.Inputs[2] is { } b)
        {
            if (b.Uses.Count != 1 || ConstantValues.TryGetTensor(model, b) is not { ElementType: ElementType.Float } bias || bias.ElementCount != weight.Dims[0]) return null;
        }
        long group = node.GetAttribute("group")?.Int ?? 1;
        return (weight.Dims[0], weight.Dims[1] * group, weight.Dims.Count);
    }
}
