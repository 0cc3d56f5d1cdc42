namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>The result of running one model file on all its data sets, with the reason when it did not match.</summary>
internal readonly record struct OrtRunOutcome(OrtRunStage Stage, string? Reason)
{
    /// <summary>True when every data set ran (whether or not the outputs matched).</summary>
    public bool Ran => Stage is OrtRunStage.Mismatched or OrtRunStage.Matched;

    /// <summary>True when every output of every data set matched.</summary>
    public bool Matched => Stage == OrtRunStage.Matched;
}
