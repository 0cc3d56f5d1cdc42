using System.Diagnostics;
using System.Text;
using ModelOpt.Cache;
using ModelOpt.Cache.Stores;
using System.Text.Json;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Caching;

/// <summary>
/// A job's side of the cache: restore its outputs from a hit (the embedded model's bytes as they
/// were stored, and the reports rewritten for this job's paths and options) or store what it
/// computed. An entry holds two outputs, <c>model</c> (the bytes to embed, Brotli already applied
/// when asked: ResourceCompression is part of the key) and <c>report</c> (the JSON report), plus
/// the warnings the job printed. Both are stored with the job's paths (model, output, project,
/// data folders) replaced by placeholders, which a hit fills in with its own job's paths: a
/// report from another checkout never names that checkout's folders.
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
        var stored = ReportWriter.ReadJson<OptimizationReport>(Encoding.UTF8.GetBytes(Restore(Encoding.UTF8.GetString(hit.Outputs[ReportOutput]), json: true)));
        if (stored is null || !hit.Outputs.TryGetValue(ModelOutput, out byte[]? model))
        {
            // Digest-checked and keyed on this tool's build, so only a bug gets here: say so
            // rather than silently computing every time.
            diagnostics.WriteLine($"{_where}: warning {DiagnosticCode.CacheEntryCorrupt}: the cache entry of key {Key[..12]}… has no model or a report this tool cannot read; the model is computed again.");
            return null;
        }
        foreach (string warning in hit.Manifest.Warnings) diagnostics.WriteLine(Restore(warning, json: false));
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
        byte[] json = Encoding.UTF8.GetBytes(Neutral(ReportWriter.Json(report), json: true));
        _cache.Store(Key, JobCacheKey.ToolVersion, [new(ModelOutput, embedded), new(ReportOutput, json)], warnings.Select(w => Neutral(w, json: false)).ToArray(), _where);
    }

    private static ModelOrigin Origin(CacheTier tier) => tier switch
    {
        CacheTier.Local => ModelOrigin.Local,
        CacheTier.Shared => ModelOrigin.Shared,
        _ => ModelOrigin.Remote,
    };

    // The job's paths and their placeholders, longest path first (a data folder inside the
    // model's folder is replaced before anything shorter could cut it). In JSON text the paths
    // appear escaped, as the serializer wrote them.
    private IEnumerable<(string Path, string Placeholder)> Paths(bool json)
    {
        var paths = new List<(string, string)> { (_job.ModelPath, "{model}"), (_job.OutputPath, "{output}"), (_job.DiagnosticsFile ?? "", "{project}") };
        paths.AddRange(OptionTable.All.Where(d => d.Kind == OptionKind.Path).Select(d => (d.Read(_job.Options), "{" + d.Metadata + "}")));
        return paths.Where(p => p.Item1.Length > 0)
            .Select(p => (json ? JsonEncodedText.Encode(p.Item1).ToString() : p.Item1, p.Item2))
            .OrderByDescending(p => p.Item1.Length);
    }

    private string Neutral(string text, bool json) => Paths(json).Aggregate(text, (t, p) => t.Replace(p.Path, p.Placeholder, StringComparison.Ordinal));

    private string Restore(string text, bool json) => Paths(json).Aggregate(text, (t, p) => t.Replace(p.Placeholder, p.Path, StringComparison.Ordinal));
}
