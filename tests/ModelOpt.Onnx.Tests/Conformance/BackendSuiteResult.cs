namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>What happened to one case of the backend suite, stage by stage; null where a stage was not reached.</summary>
internal sealed class BackendSuiteResult(BackendSuiteCase suiteCase)
{
    public BackendSuiteCase Case { get; } = suiteCase;

    public string? LoadError { get; set; }

    public bool Loaded { get; set; }

    public string? SaveError { get; set; }

    public bool Saved { get; set; }

    /// <summary>Where the saved model differs from the original, or why they could not be compared.</summary>
    public string? Difference { get; set; }

    public bool Equal { get; set; }

    /// <summary>Why this harness cannot feed the case's data sets (sequences, optionals, …).</summary>
    public string? HarnessLimitation { get; set; }

    /// <summary>The model draws random numbers: whether its outputs match is chance.</summary>
    public bool RandomOutputs { get; set; }

    public OrtRunOutcome? Original { get; set; }

    public OrtRunOutcome? Resaved { get; set; }

    /// <summary>
    /// Why the re-saved copy did worse in ONNX Runtime than the original, or null. For models
    /// that draw random numbers only running counts, since matching them is chance.
    /// </summary>
    public string? Regression
    {
        get
        {
            if (Original is not { } original) return null;
            bool worse = RandomOutputs ? original.Ran && Resaved?.Ran != true : original.Matched && Resaved?.Matched != true;
            return worse ? $"{Case.Id}: original {original.Stage}, re-saved {Resaved?.Stage.ToString() ?? "not run"} ({Resaved?.Reason})" : null;
        }
    }
}
