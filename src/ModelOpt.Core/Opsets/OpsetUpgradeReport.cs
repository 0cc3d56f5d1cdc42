namespace ModelOpt.Core.Opsets;

/// <summary>What one run of <see cref="OpsetUpgradePass"/> did to the default-domain opset import.</summary>
/// <param name="OpsetBefore">The opset the model imported before; null when it imported none.</param>
/// <param name="OpsetAfter">The opset it imports afterwards (the same when the pass changed nothing).</param>
public sealed record OpsetUpgradeReport(long? OpsetBefore, long? OpsetAfter)
{
    /// <summary>True when the pass moved the import.</summary>
    public bool Upgraded => OpsetBefore != OpsetAfter;
}
