using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// One converted node at run time: its inputs (null for an omitted optional input) in, its
/// outputs out, in the node's order (an omitted optional output may be left out at the end).
/// </summary>
/// <param name="inputs">The node's inputs as tensors.</param>
/// <param name="training">True in training mode (BatchNormalization then uses batch statistics and updates its running ones).</param>
public delegate torch.Tensor[] NodeKernel(IReadOnlyList<torch.Tensor?> inputs, bool training);
