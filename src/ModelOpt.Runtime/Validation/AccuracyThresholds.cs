namespace ModelOpt.Runtime.Validation;

/// <summary>
/// The accuracy gate's limits (item metadata MinCosineSimilarity, MaxAbsoluteError,
/// MinTopOneAgreement). A value of 0 (or less) switches that check off.
/// </summary>
/// <param name="MinCosineSimilarity">Every compared output's cosine similarity must be at least this.</param>
/// <param name="MaxAbsoluteError">Every compared output's largest absolute error must be at most this.</param>
/// <param name="MinTopOneAgreement">Every classification-shaped output's top-1 agreement must be at least this (0..1).</param>
public sealed record AccuracyThresholds(double MinCosineSimilarity, double MaxAbsoluteError, double MinTopOneAgreement)
{
    /// <summary>
    /// The default cosine bound: 0.99 lets int8 quantization of typical CNNs and transformers
    /// through (they land around 0.995–0.9999) and stops a broken one, which lands far lower.
    /// </summary>
    public const double DefaultMinCosineSimilarity = 0.99;

    /// <summary>The gate when nothing is set: cosine at least <see cref="DefaultMinCosineSimilarity"/>, the other checks off.</summary>
    public static AccuracyThresholds Default { get; } = new(DefaultMinCosineSimilarity, 0, 0);

    /// <summary>Whether every check is switched off.</summary>
    public bool IsOff => MinCosineSimilarity <= 0 && MaxAbsoluteError <= 0 && MinTopOneAgreement <= 0;
}
