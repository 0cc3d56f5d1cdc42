using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// A MatMul, or a Gemm with A not transposed, that reads a value as A and has a 2-D FLOAT constant
/// weight that nothing else reads: the linear layer whose input channels the passes that move
/// range between activations and weights (<see cref="SmoothQuantPass"/>,
/// <see cref="OutlierChannelDecompositionPass"/>) work on.
/// </summary>
/// <param name="Node">The MatMul or Gemm.</param>
/// <param name="Transposed">Its weight is stored [N, C] (Gemm transB); otherwise [C, N].</param>
/// <param name="Rows">The stored weight's first dimension.</param>
/// <param name="Columns">The stored weight's second dimension.</param>
internal sealed record LinearProjection(Node Node, bool Transposed, int Rows, int Columns)
{
    /// <summary>C, the width of the input it reads.</summary>
    public int InputChannels => Transposed ? Columns : Rows;

    /// <summary>N, the width of its output.</summary>
    public int OutputChannels => Transposed ? Rows : Columns;

    /// <summary>The index into the stored weight of input channel <paramref name="channel"/>, output column <paramref name="column"/>.</summary>
    public int IndexOf(int channel, int column) => Transposed ? (column * Columns) + channel : (channel * Columns) + column;

    /// <summary>The projection reading <paramref name="use"/>, or null; with <paramref name="channels"/>, only one of that input width.</summary>
    public static LinearProjection? TryFind(OnnxModel model, ValueUse use, int? channels = null)
    {
        var node = use.Node;
        if (use.InputIndex != 0 || node.Domain.Length != 0 || node.Graph != model.Graph || node.Inputs.Count < 2 || node.Inputs[1] is not { } weight) return null;
        if (ReferenceEquals(node.Inputs[0], weight) || weight.Uses.Count != 1) return null;
        if (ConstantValues.TryGetTensor(model, weight) is not { ElementType: ElementType.Float, Dims.Count: 2 } tensor) return null;
        bool transposed;
        switch (node.OpType)
        {
            case "MatMul":
                transposed = false;
                break;
            case "Gemm" when (node.GetAttribute("transA")?.Int ?? 0) == 0:
                transposed = (node.GetAttribute("transB")?.Int ?? 0) != 0;
                break;
            default:
                return null;
        }
        var projection = new LinearProjection(node, transposed, (int)tensor.Dims[0], (int)tensor.Dims[1]);
        return channels is { } expected && projection.InputChannels != expected ? null : projection;
    }
}
