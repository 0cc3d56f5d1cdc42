namespace ModelOpt.Core.Data;

/// <summary>What a generated input is filled with, chosen from its name, type and consumers.</summary>
internal enum GeneratedValues
{
    /// <summary>Floats uniform in [-1, 1).</summary>
    Uniform,

    /// <summary>All zero (false): integers nothing else tells about, token type / segment ids.</summary>
    Zeros,

    /// <summary>All one (true): attention masks and BOOL inputs, so every position takes part.</summary>
    Ones,

    /// <summary>Ids uniform over the rows of the embedding table a Gather looks them up in.</summary>
    EmbeddingIds,
}
