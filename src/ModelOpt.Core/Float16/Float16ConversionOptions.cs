using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Float16;

/// <summary>How <see cref="Float16ConversionPass"/> converts (item metadata Quantize="Float16").</summary>
public sealed record Float16ConversionOptions
{
    /// <summary>The defaults: FLOAT inputs and outputs, the built-in block list only, nothing excluded.</summary>
    public static Float16ConversionOptions Default { get; } = new();

    /// <summary>
    /// Keep the model's FLOAT inputs and outputs FLOAT, with casts at the boundary, so callers
    /// feed and read the same tensors as before (default). When false, they become FLOAT16 and
    /// callers exchange half-precision tensors, which saves the boundary casts.
    /// </summary>
    public bool KeepIoTypes { get; init; } = true;

    /// <summary>Operator types kept in FLOAT on top of the built-in <see cref="Float16BlockList"/>.</summary>
    public IReadOnlyCollection<string> BlockedOpTypes { get; init; } = [];

    /// <summary>Nodes kept in FLOAT (ExcludeNodes, ExcludeOpTypes), as every pass reads them.</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;

    /// <summary>
    /// Nodes kept in FLOAT with the reason the report gives, by node name (its first output's name
    /// when it has none): what <see cref="Float16RangeCheck"/> found. The pass fills it when it has samples.
    /// </summary>
    public IReadOnlyDictionary<string, string> KeepInFloat { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
