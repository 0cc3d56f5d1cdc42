using System.Diagnostics;
using ModelOpt.Engine.Options;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Jobs;

/// <summary>
/// What one job's parts share while it runs: the job, where diagnostics go, the session factory
/// every ONNX Runtime session of the job comes from (calibration, the gate, latency, sensitivity,
/// Auto's trials), the steps done so far (for the report and the log), and the disposables it
/// owns (models), released when the job ends. One context per job; the engine creates it, every
/// part receives it.
/// </summary>
public sealed class JobContext : IDisposable
{
    private readonly List<(JobStep Step, bool Shared)> _steps = [];
    private readonly List<IDisposable> _owned = [];

    /// <summary>Starts the context of <paramref name="job"/>.</summary>
    public JobContext(OptimizationJob job, TextWriter diagnostics, SessionFactory sessions, TextWriter? progress = null)
    {
        Job = job;
        Diagnostics = diagnostics;
        Sessions = sessions;
        _progress = progress ?? TextWriter.Null;
    }

    /// <summary>The prefix of progress lines, which the MSBuild task logs at normal importance (shown from <c>-v:n</c> up).</summary>
    public const string ProgressPrefix = "progress: ";

    private readonly TextWriter _progress;

    /// <summary>Says, on one line, what long work is doing now (calibration n, Auto's trial k, the gate), so a long build does not look hung.</summary>
    public void Progress(string message)
    {
        _progress.WriteLine($"{ProgressPrefix}{Path.GetFileName(ModelPath)}: {message}");
        _progress.Flush();
    }

    /// <summary>The job.</summary>
    public OptimizationJob Job { get; }

    /// <summary>The job's options.</summary>
    public OptimizationOptions Options => Job.Options;

    /// <summary>The model file, as errors name it.</summary>
    public string ModelPath => Job.ModelPath;

    /// <summary>Where the job's sessions run and why (requested provider, resolved target, the reason); the CPU when the caller gave none.</summary>
    public ExecutionTargetResolution Execution { get; init; } = new(ExecutionProviderRequest.Cpu, ExecutionTarget.Cpu, "ExecutionProvider=\"Cpu\"", null);

    /// <summary>The job's ONNX Runtime sessions, on its execution target; shared by every part of the job.</summary>
    public SessionFactory Sessions { get; }

    /// <summary>Where warnings go (canonical MSBuild diagnostics).</summary>
    public TextWriter Diagnostics { get; }

    /// <summary>Time since the job started.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    private readonly Dictionary<string, string> _pathDigests = new(StringComparer.Ordinal);

    /// <summary>
    /// The digest of a file's or folder's content (<see cref="Cache.Keys.CacheKeyBuilder.DigestOfPath"/>),
    /// computed once per job: the cache key and the report's model key both name the data folders
    /// by content, and a large TrainingData folder should be read once, not twice.
    /// </summary>
    public string PathDigest(string path)
    {
        if (!_pathDigests.TryGetValue(path, out var digest))
        {
            digest = Cache.Keys.CacheKeyBuilder.DigestOfPath(path);
            _pathDigests.Add(path, digest);
        }
        return digest;
    }

    /// <summary>How many candidate models were made from the shared prefix (one outside Auto).</summary>
    public int Candidates { get; private set; }

    /// <summary>The steps done so far, in order; shared steps count every candidate made from their result.</summary>
    public IReadOnlyList<JobStep> Steps => _steps.Select(s => s.Shared ? s.Step with { UsedBy = Math.Max(1, Candidates) } : s.Step).ToArray();

    /// <summary>
    /// Runs <paramref name="action"/> as the step <paramref name="name"/> and records it with the
    /// detail it returns. A <paramref name="shared"/> step belongs to the prefix every candidate
    /// starts from (load, fold, prune): it runs once however many candidates follow.
    /// </summary>
    public T Step<T>(string name, Func<T> action, Func<T, string> detail, bool shared = false)
    {
        var clock = Stopwatch.StartNew();
        T result = action();
        _steps.Add((new JobStep(name, detail(result), Math.Round(clock.Elapsed.TotalSeconds, 3), 1), shared));
        return result;
    }

    /// <summary>Counts one more candidate made from the shared prefix.</summary>
    public void CountCandidate() => Candidates++;

    /// <summary>Makes the context dispose <paramref name="disposable"/> when the job ends; returns it.</summary>
    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Last in, first out: clones go before the models they share external data with.
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
