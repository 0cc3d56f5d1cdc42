namespace ModelOpt.Core.Analysis;

/// <summary>The cost of one Conv, ConvTranspose, Gemm or MatMul node.</summary>
/// <param name="NodeName">The node's name (its first output's name when it has none).</param>
/// <param name="OpType">The operator, e.g. <c>Conv</c>.</param>
/// <param name="Macs">Multiply-accumulates of one run; null when a shape it needs is unknown.</param>
/// <param name="Parameters">Elements of its constant weight and bias (0 when neither is constant).</param>
/// <param name="WeightSparsity">The fraction of its constant FLOAT weight's elements that are exactly zero; null when the weight is not a constant FLOAT tensor.</param>
public sealed record NodeCost(string NodeName, string OpType, long? Macs, long Parameters, double? WeightSparsity);
