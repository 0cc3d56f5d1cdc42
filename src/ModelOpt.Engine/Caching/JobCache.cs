using System.Diagnostics;
using System.Text;
using ModelOpt.Cache;
using ModelOpt.Cache.Stores;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Caching;

/// <summary>
/// A job's side of the cache: restore its outputs from a hit (the embedded model's bytes as they
/// were stored, and the reports rewritten for this job's paths and options) or store what it
/// computed. An entry holds two outputs, <c>model</c> (the bytes to embed, Brotli already applied
/// when asked: ResourceCompression is part of the key) and <c>report</c> (the JSON report), plus
/// the warnings the job printed, with the job's paths replaced by placeholders.
/// </summary>
internal sealed class JobCache
{
    private const string ModelOutput = "model";
    private const string ReportOutput = "report";

    private readonly ModelCache _cache;
    private readonly OptimizationJob _job;
    private readonly string _where;

    public JobCache(ModelCache cache, OptimizationJob job, string key)
    {
        _cache = cache;
        _job = job;
        Key = key;
        _where = job.DiagnosticsFile ?? job.ModelPath;
    }

    /// <summary>The job's cache key.</summary>
    public string Key { get; }

    /// <summary>
    /// On a hit, writes the job's outputs (model, then reports, each atomically), replays the
    /// stored warnings to <paramref name="diagnostics"/> and returns the report; null on a miss.
    /// </summary>
    public OptimizationReport? TryRestore(TextWriter diagnostics, Stopwatch clock)
    {
        if (_cache.Lookup(Key, _where) is not { } hit) return null;
        var stored = ReportWriter.ReadJson<OptimizationReport>(hit.Outputs[ReportOutput]);
        if (stored is null || !hit.Outputs.TryGetValue(ModelOutput, out byte[]? model))
        {
            // Signed and digest-checked, so written by a tool whose report has another shape.
            return null;
        }
        foreach (string warning in hit.Manifest.Warnings) diagnostics.WriteLine(Restore(warning));
        AtomicFile.Write(_job.OutputPath, stream => stream.Write(model));
        var report = stored with
        {
            Model = _job.ModelPath,
            Output = _job.OutputPath,
            Options = _job.Options,
            Source = new ModelSource(Origin(hit.Tier), Math.Round(clock.Elapsed.TotalSeconds, 3), Key),
        };
        ReportFiles.Write(_job, report);
        return report;
    }

    /// <summary>Stores the computed <paramref name="embedded"/> bytes, <paramref name="report"/> and the job's <paramref name="warnings"/>.</summary>
    public void Store(byte[] embedded, OptimizationReport report, IReadOnlyList<string> warnings)
    {
        byte[] json = Encoding.UTF8.GetBytes(ReportWriter.Json(report));
        _cache.Store(Key, JobCacheKey.ToolVersion, [new(ModelOutput, embedded), new(ReportOutput, json)], warnings.Select(Neutral).ToArray(), _where);
    }

    private static ModelOrigin Origin(CacheTier tier) => tier switch
    {
        CacheTier.Local => ModelOrigin.Local,
        CacheTier.Shared => ModelOrigin.Shared,
        _ => ModelOrigin.Remote,
    };

    // Another checkout has other paths: warnings are stored with placeholders, longest path first.
    private IEnumerable<(string Path, string Placeholder)> Paths()
        => new[] { (_job.ModelPath, "{model}"), (_job.OutputPath, "{output}"), (_job.DiagnosticsFile ?? "", "{project}") }
            .Where(p => p.Item1.Length > 0).OrderByDescending(p => p.Item1.Length);

    private string Neutral(string line) => Paths().Aggregate(line, (text, p) => text.Replace(p.Path, p.Placeholder, StringComparison.Ordinal));

    private string Restore(string line) => Paths().Aggregate(line, (text, p) => text.Replace(p.Placeholder, p.Path, StringComparison.Ordinal));
}
