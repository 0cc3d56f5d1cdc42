using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// The sufficient statistics of a linear least-squares problem Y ≈ A·M, accumulated batch by
/// batch in float64: AᵀA, AᵀY and ‖Y‖². They are all that a ridge solve and an error need, so
/// memory is (columns² + columns·outputs) doubles whatever the number of rows.
/// </summary>
internal sealed class NormalEquations : IDisposable
{
    private readonly TorchTensor _gram;
    private readonly TorchTensor _cross;
    private double _targetSquares;

    /// <summary>An empty system with <paramref name="columns"/> unknowns per output and <paramref name="outputs"/> outputs.</summary>
    public NormalEquations(long columns, long outputs)
    {
        _gram = torch.zeros(columns, columns, torch.ScalarType.Float64).DetachFromDisposeScope();
        _cross = torch.zeros(columns, outputs, torch.ScalarType.Float64).DetachFromDisposeScope();
    }

    /// <summary>Rows added so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds the rows <paramref name="design"/> [rows, columns] with their targets <paramref name="targets"/> [rows, outputs].</summary>
    public void Add(TorchTensor design, TorchTensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var a = design.to_type(torch.ScalarType.Float64);
        var y = targets.to_type(torch.ScalarType.Float64);
        _gram.add_(a.t().matmul(a));
        _cross.add_(a.t().matmul(y));
        _targetSquares += y.square().sum().item<double>();
        Rows += design.shape[0];
    }

    /// <summary>
    /// The ridge solution pulled toward <paramref name="prior"/> [columns, outputs]:
    /// argmin ‖Y − A·M‖² + λ‖D(M − prior)‖², λ = <paramref name="relativeRidge"/> · the mean
    /// diagonal of AᵀA over the penalized columns (so the ridge does not depend on the inputs'
    /// scale); D leaves the last column unpenalized when <paramref name="lastColumnIsBias"/>.
    /// With few rows the solution stays near the prior (the pruned weights) instead of near zero.
    /// </summary>
    public TorchTensor Solve(TorchTensor prior, double relativeRidge, bool lastColumnIsBias)
    {
        using var scope = torch.NewDisposeScope();
        long columns = _gram.shape[0];
        var penalty = torch.ones(columns, torch.ScalarType.Float64);
        if (lastColumnIsBias) penalty[columns - 1] = torch.tensor(0.0, torch.ScalarType.Float64);
        double meanDiagonal = (_gram.diagonal() * penalty).sum().item<double>() / Math.Max(1, penalty.sum().item<double>());
        double ridge = relativeRidge * Math.Max(meanDiagonal, 1e-12);
        var regularized = _gram + torch.diag(penalty * ridge);
        var right = _cross + (penalty * ridge).unsqueeze(1) * prior;
        return torch.linalg.solve(regularized, right).MoveToOuterDisposeScope();
    }

    /// <summary>‖Y − A·M‖² / ‖Y‖² for <paramref name="solution"/> [columns, outputs], from the statistics alone.</summary>
    public double RelativeError(TorchTensor solution)
    {
        using var scope = torch.NewDisposeScope();
        if (_targetSquares <= 0) return 0;
        double cross = (solution * _cross).sum().item<double>();
        double quadratic = (solution * _gram.matmul(solution)).sum().item<double>();
        return Math.Max(0, _targetSquares - 2 * cross + quadratic) / _targetSquares;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _gram.Dispose();
        _cross.Dispose();
    }
}
