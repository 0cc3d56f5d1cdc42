namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// Whether ONNX Runtime's CUDA provider can run in this process, as <see cref="CudaProbe"/> found:
/// the GPU's name when it can, else every problem found (missing libraries by file name, the
/// driver, the device, the provider's own refusal), so one message says all that is missing.
/// </summary>
/// <param name="DeviceName">The GPU's name (from the driver) when the provider is usable; null otherwise.</param>
/// <param name="Problems">What stands in the way, one sentence each; empty when usable.</param>
public sealed record CudaReadiness(string? DeviceName, IReadOnlyList<string> Problems)
{
    /// <summary>True when the CUDA provider can run: a device was found and nothing is missing.</summary>
    public bool Usable => DeviceName is not null && Problems.Count == 0;

    /// <summary>The problems as one clause for a message ("a; b"), or "usable" when there are none.</summary>
    public string Describe() => Problems.Count == 0 ? "usable" : string.Join("; ", Problems);
}
