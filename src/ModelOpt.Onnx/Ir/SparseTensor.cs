using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>A sparse tensor: non-default <see cref="Values"/> at <see cref="Indices"/> of a dense shape.</summary>
public sealed class SparseTensor
{
    internal SparseTensor(SparseTensorProto residual, Tensor values, Tensor indices)
    {
        Residual = residual;
        Values = values;
        Indices = indices;
    }

    /// <summary>The dims and unknown fields (values and indices detached).</summary>
    internal SparseTensorProto Residual { get; }

    /// <summary>The non-default values, shape [NNZ]; its name names the sparse tensor.</summary>
    public Tensor Values { get; }

    /// <summary>Indices, shape [NNZ] (linearized) or [NNZ, rank].</summary>
    public Tensor Indices { get; }

    /// <summary>The dense shape.</summary>
    public IReadOnlyList<long> Dims => Residual.Dims;
}
