namespace ModelOpt.Core.Data;

/// <summary>One sample, for calibration or validation alike: a value for every input of the model.</summary>
/// <param name="Name">How messages name the sample (its folder or file).</param>
/// <param name="Tensors">The tensors, bound to the model's inputs by name where a name matches, else by position.</param>
public sealed record Sample(string Name, IReadOnlyList<SampleTensor> Tensors);
