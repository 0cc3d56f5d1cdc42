namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Every end-to-end test shares one packed package, and they run one after another: each
/// consumer build already keeps both cores of a CI machine busy.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "End to end";
}
