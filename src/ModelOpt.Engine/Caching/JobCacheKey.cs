using System.Reflection;
using ModelOpt.Cache.Keys;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Caching;

/// <summary>
/// The cache key of a job: SHA-256 over everything that decides the optimized model's bytes and
/// nothing else. The model's bytes and its external data files (by location and content); the
/// options that change the model (<see cref="OptionTable.CanonicalText"/>, normalized), with each
/// path — data folders, Preprocessor, Vocabulary — replaced by its content's digest; the tool's
/// version and the build of its assemblies; and the execution target the job resolved (a CUDA
/// job that fell back to the CPU calibrates on the CPU). Sizes, times and absolute paths are
/// left out, so another checkout of the same project finds the same key.
/// </summary>
public static class JobCacheKey
{
    /// <summary>What the tool's version means for the cache: the package version and the identity of each of its assemblies (deterministic builds: a code change changes them).</summary>
    public static string ToolVersion { get; } = ComputeToolVersion();

    /// <summary>The key of <paramref name="job"/>, whose model is loaded as <paramref name="model"/>, on <paramref name="executionTarget"/>; <paramref name="pathDigest"/> names a data path by its content.</summary>
    public static string Compute(OptimizationJob job, OnnxModel model, string executionTarget, Func<string, string> pathDigest)
    {
        using var key = new CacheKeyBuilder();
        key.Add("format", "modelopt-cache-key-1")
            .Add("tool", ToolVersion)
            .Add("execution", executionTarget)
            .AddFile("model", job.ModelPath);
        var external = model.Graph.AllGraphs().SelectMany(g => g.Initializers).Select(v => v.Initializer!.External)
            .OfType<ExternalDataReference>()
            .DistinctBy(e => e.Location, StringComparer.Ordinal)
            .OrderBy(e => e.Location, StringComparer.Ordinal);
        foreach (var file in external) key.Add("external-location", file.Location).AddFile("external-data", file.FullPath);
        key.Add("options", OptionTable.CanonicalText(job.Options, modelOnly: true, pathContent: pathDigest));
        return key.Finish();
    }

    private static string ComputeToolVersion()
    {
        var engine = typeof(JobCacheKey).Assembly;
        string version = engine.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var modules = new[] { typeof(OnnxModel), typeof(Core.Passes.PassPipeline), typeof(Runtime.Execution.SessionFactory), typeof(CacheKeyBuilder), typeof(JobCacheKey) }
            .Select(t => t.Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        return version + " " + string.Join(" ", modules);
    }
}
