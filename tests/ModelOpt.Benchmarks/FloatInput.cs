namespace ModelOpt.Benchmarks;

/// <summary>One named float input of a model.</summary>
internal sealed record FloatInput(string Name, float[] Data, long[] Shape);
