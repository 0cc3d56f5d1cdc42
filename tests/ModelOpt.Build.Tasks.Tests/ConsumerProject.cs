using System.Security;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// A throwaway app or library that references the packed ModelOpt.Build, with its own
/// nuget.config, built by a child <c>dotnet build</c> as a developer would.
/// </summary>
internal sealed class ConsumerProject
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private readonly PackageFixture _package;
    private readonly string _logFolder;
    private int _builds;

    public ConsumerProject(PackageFixture package, string directory, string projectName)
    {
        _package = package;
        Directory = directory;
        ProjectName = projectName;
        // Beside the project, not in it: the SDK's default globs must not pick the logs up.
        _logFolder = directory + ".logs";
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(_logFolder);
        WriteFile("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="e2e" value="{SecurityElement.Escape(package.FeedFolder)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <!-- ModelOpt.Build only from this run's feed, never a namesake from nuget.org. -->
              <packageSourceMapping>
                <packageSource key="e2e"><package pattern="ModelOpt.Build" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    public string Directory { get; }

    public string ProjectName { get; }

    public string ProjectFile => Path.Combine(Directory, ProjectName + ".csproj");

    /// <summary>
    /// Writes the project file: the package reference plus <paramref name="body"/> (item groups,
    /// properties). <paramref name="targetFrameworks"/> with a ';' multi-targets.
    /// </summary>
    public void WriteProject(string body, string targetFrameworks = "net10.0", bool exe = false)
    {
        string frameworks = targetFrameworks.Contains(';', StringComparison.Ordinal)
            ? $"<TargetFrameworks>{targetFrameworks}</TargetFrameworks>"
            : $"<TargetFramework>{targetFrameworks}</TargetFramework>";
        WriteFile(ProjectName + ".csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                {frameworks}
                <OutputType>{(exe ? "Exe" : "Library")}</OutputType>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- No compiler server: nothing a test starts may outlive it. -->
                <UseSharedCompilation>false</UseSharedCompilation>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelOpt.Build" Version="{_package.Version}" />
              </ItemGroup>
            {body}
            </Project>
            """);
    }

    public string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    public void WriteFile(string relativePath, string text) => WriteBytes(relativePath, System.Text.Encoding.UTF8.GetBytes(text));

    public void WriteBytes(string relativePath, byte[] bytes)
    {
        string path = PathOf(relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Writes <see cref="TestModels.Dense"/> and returns its bytes.</summary>
    public byte[] WriteModel(string relativePath, int seed)
    {
        byte[] bytes = TestModels.Dense(seed);
        WriteBytes(relativePath, bytes);
        return bytes;
    }

    /// <summary>Marks a file as changed now, as an editor saving it would.</summary>
    public void Touch(string relativePath) => File.SetLastWriteTimeUtc(PathOf(relativePath), DateTime.UtcNow);

    /// <summary><c>dotnet build</c> with a binary log; <paramref name="arguments"/> are appended (e.g. <c>-m</c>, <c>-question</c>).</summary>
    public BuildRun Build(params string[] arguments) => Run("build", arguments);

    /// <summary><c>dotnet build</c> with extra environment variables (a cache token, a signing key).</summary>
    public BuildRun BuildWith(IReadOnlyDictionary<string, string> environment, params string[] arguments) => Run("build", arguments, environment);

    /// <summary><c>dotnet clean</c>.</summary>
    public BuildRun Clean() => Run("clean", []);

    private BuildRun Run(string verb, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        string binlog = Path.Combine(_logFolder, $"{++_builds:D2}-{verb}.binlog");
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["NUGET_PACKAGES"] = _package.PackagesFolder };
        var result = DotnetCommand.Run(Directory, [verb, ProjectFile, "-nodeReuse:false", $"-bl:{binlog}", .. arguments], BuildTimeout, variables);
        return new BuildRun(result, new BuildLog(binlog));
    }

    /// <summary>Runs the built app (<c>dotnet Consumer.dll</c>) and returns its standard output.</summary>
    public string RunApp(string targetFramework = "net10.0")
    {
        var result = DotnetCommand.Run(Directory, [AssemblyPath(targetFramework)], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Describe());
        return result.Output;
    }

    public string IntermediateDirectory(string targetFramework = "net10.0") => Path.Combine(Directory, "obj", "Debug", targetFramework);

    /// <summary>Where the package writes the optimized models: <c>$(IntermediateOutputPath)modelopt/</c>.</summary>
    public string ModelOptDirectory(string targetFramework = "net10.0") => Path.Combine(IntermediateDirectory(targetFramework), "modelopt");

    public string OutputDirectory(string targetFramework = "net10.0") => Path.Combine(Directory, "bin", "Debug", targetFramework);

    public string AssemblyPath(string targetFramework = "net10.0") => Path.Combine(OutputDirectory(targetFramework), ProjectName + ".dll");

    /// <summary>The optimized model files in <see cref="ModelOptDirectory"/> (no reports, no accessor), by file name.</summary>
    public IReadOnlyDictionary<string, DateTime> OptimizedOutputs(string targetFramework = "net10.0")
    {
        string folder = ModelOptDirectory(targetFramework);
        if (!System.IO.Directory.Exists(folder)) return new Dictionary<string, DateTime>();
        return System.IO.Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) || f.EndsWith(".onnx.br", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.GetLastWriteTimeUtc, StringComparer.Ordinal);
    }

    /// <summary>The manifest resources of the built assembly.</summary>
    public IReadOnlyDictionary<string, byte[]> Resources(string targetFramework = "net10.0") => BuiltAssembly.Resources(AssemblyPath(targetFramework));
}
