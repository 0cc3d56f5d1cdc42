namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Packs ModelOpt.Build from the repository once per test run, under a version no other run
/// uses, into a folder feed; every consumer project of the run restores it from there.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);

    public PackageFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "modelopt-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        // MSBuild looks for these files in every folder above a project. Empty ones here stop
        // the search, so a stray file in the temp folder cannot change the consumers' builds.
        foreach (string guard in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(Root, guard), "<Project />\n");
        }

        FeedFolder = Path.Combine(Root, "feed");
        // One packages folder for the whole run rather than the global one: the 50 MB package
        // (the worker and ONNX Runtime's natives) is extracted once per run and shared by every
        // consumer, yet nothing of it is left in the developer's ~/.nuget/packages, which would
        // otherwise gain a copy per run. A per-test folder would extract it once per test.
        PackagesFolder = Path.Combine(Root, "packages");

        // For iterating on the tests themselves: MODELOPT_E2E_PACKAGE names a package packed
        // earlier by this fixture, which saves the minute of packing. Never set in CI.
        if (Environment.GetEnvironmentVariable("MODELOPT_E2E_PACKAGE") is { Length: > 0 } packed)
        {
            Directory.CreateDirectory(FeedFolder);
            File.Copy(packed, Path.Combine(FeedFolder, Path.GetFileName(packed)));
            Version = Path.GetFileNameWithoutExtension(packed)["ModelOpt.Build.".Length..];
            return;
        }

        // A prerelease label from the clock: each run's package is new to every cache it meets.
        Version = $"0.1.0-e2e.{DateTime.UtcNow.Ticks}";
        // Own ArtifactsPath: the outer `dotnet test` may be running other test projects out of
        // the repository's artifacts folder, and the pack must not rebuild their files under them.
        var pack = DotnetCommand.Run(TestData.RepositoryRoot,
            ["pack", Path.Combine("src", "ModelOpt.Build.Tasks", "ModelOpt.Build.Tasks.csproj"), "-c", "Release", "-nodeReuse:false",
             $"-p:Version={Version}", "-o", FeedFolder, $"-p:ArtifactsPath={Path.Combine(Root, "artifacts")}"],
            PackTimeout);
        if (pack.ExitCode != 0) throw new InvalidOperationException("Packing ModelOpt.Build failed.\n" + pack.Describe());
    }

    /// <summary>The run's scratch folder: feed, packages folder, consumer projects.</summary>
    public string Root { get; }

    /// <summary>The package version packed for this run.</summary>
    public string Version { get; }

    /// <summary>The folder feed holding ModelOpt.Build.&lt;Version&gt;.nupkg.</summary>
    public string FeedFolder { get; }

    /// <summary>NUGET_PACKAGES of every consumer build.</summary>
    public string PackagesFolder { get; }

    /// <summary>A new consumer project in its own folder under <see cref="Root"/>.</summary>
    internal ConsumerProject CreateConsumer(string folderName, string projectName = "Consumer")
        => new(this, Path.Combine(Root, "consumers", folderName), projectName);

    public void Dispose()
    {
        // Left in place when asked, to look at a failing consumer by hand.
        if (Environment.GetEnvironmentVariable("MODELOPT_E2E_KEEP") == "1") return;
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail the run over it.
        }
    }
}
