namespace ModelOpt.Core.Tests.TestModels;

/// <summary>
/// The tests that run the full-size encoder share one <see cref="TransformerEncoderFixture"/>,
/// and, being one collection, run one after the other, so their latency prints are not skewed
/// by each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TransformerEncoderCollection : ICollectionFixture<TransformerEncoderFixture>
{
    /// <summary>The collection's name, for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "TransformerEncoder";
}
