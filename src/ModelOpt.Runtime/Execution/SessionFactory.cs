using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The one place that creates ONNX Runtime sessions: every session of a job (calibration,
/// validation, per-node sensitivity, latency, the load check) comes from the job's factory, with
/// the settings its use needs and the job's <see cref="ExecutionTarget"/>. Sessions are shared:
/// asking twice for the same model (the same array, or an array with the same content) with the
/// same settings returns the session made the first time. The factory owns its sessions and
/// disposes them with itself (or on <see cref="Release(byte[])"/>); callers never dispose one.
/// </summary>
/// <remarks>
/// <para>
/// Settings per use: every session logs errors only; <see cref="Validation"/> and
/// <see cref="Calibration"/> keep ONNX Runtime's default options; <see cref="Latency"/> fixes the
/// intra-op thread count, one inter-op thread and sequential execution; <see cref="CheckLoads"/>
/// uses no graph optimization and no memory arena (its session never runs).
/// </para>
/// <para>
/// A model's bytes must not change once handed to the factory: they are its cache key (hashed
/// once per array with SHA-256, so two copies of a model share a session too). The factory is
/// thread-safe; a session may be run from several threads, as ONNX Runtime allows.
/// </para>
/// </remarks>
public sealed class SessionFactory : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Model, SessionSettings Settings), Entry> _sessions = [];
    // Content hashes by array identity, without keeping the arrays alive.
    private readonly ConditionalWeakTable<byte[], string> _hashes = new();
    private int _created;
    private int _peakOpen;
    private bool _disposed;

    /// <summary>A factory for sessions on the CPU (tests, tools that run one model at a time).</summary>
    public SessionFactory()
        : this(ExecutionTarget.Cpu)
    {
    }

    /// <summary>A factory whose sessions run on <paramref name="target"/>.</summary>
    public SessionFactory(ExecutionTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
    }

    /// <summary>Where every session of this factory runs.</summary>
    public ExecutionTarget Target { get; }

    /// <summary>How many sessions this factory has created so far, the load checks' included (sessions returned from the cache do not count).</summary>
    public int SessionsCreated
    {
        get
        {
            lock (_lock) return _created;
        }
    }

    /// <summary>
    /// The most sessions alive at once so far, the load checks' included: what bounds a job's
    /// memory, since each session holds about as much as its model (ONNX Runtime's graph, kernels, weights).
    /// </summary>
    public int PeakOpenSessions
    {
        get
        {
            lock (_lock) return _peakOpen;
        }
    }

    /// <summary>How many sessions the factory holds now.</summary>
    public int OpenSessions
    {
        get
        {
            lock (_lock) return _sessions.Count;
        }
    }

    /// <summary>
    /// The session that runs <paramref name="model"/> for validation (the original and optimized
    /// models of a comparison, per-node sensitivity). Loading failures are ONNX Runtime's
    /// <see cref="OnnxRuntimeException"/>, for the caller to turn into its diagnostic.
    /// </summary>
    public InferenceSession Validation(byte[] model) => Get(model, SessionSettings.Default);

    /// <summary>
    /// The session that runs a float model with the activations to calibrate added as outputs.
    /// It has the settings of <see cref="Validation"/>; the name says what it is for.
    /// </summary>
    public InferenceSession Calibration(byte[] augmentedModel) => Get(augmentedModel, SessionSettings.Default);

    /// <summary>The session that times <paramref name="model"/>: <paramref name="intraOpThreads"/> intra-op threads, one inter-op thread, sequential execution.</summary>
    public InferenceSession Latency(byte[] model, int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intraOpThreads);
        return Get(model, SessionSettings.Latency(intraOpThreads));
    }

    /// <summary>
    /// Runs <paramref name="model"/> once on <paramref name="sample"/> in its validation session
    /// (the one the gate uses later, so a probe costs no extra load) and says why it did not run,
    /// or null when it ran: how generated inputs find sizes for open dimensions. The sample's
    /// tensors bind to the inputs by name.
    /// </summary>
    public string? TryRun(byte[] model, Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        List<OrtValue>? values = null;
        try
        {
            var session = Validation(model);
            values = OrtTensors.ToOrtValues(sample.Tensors);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, sample.Tensors.Select(t => t.Name ?? "").ToArray(), values, session.OutputNames);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return e.Message;
        }
        finally
        {
            if (values is not null) foreach (var value in values) value.Dispose();
        }
    }

    /// <summary>
    /// Loads <paramref name="model"/> without graph optimizations and drops the session again: the
    /// check only asks whether ONNX Runtime accepts the model, and nothing else runs a model with
    /// these settings, so keeping it would only hold memory. Counts in <see cref="SessionsCreated"/>.
    /// </summary>
    public void CheckLoads(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var loaded = Create(model, SessionSettings.LoadCheck);
            _peakOpen = Math.Max(_peakOpen, _sessions.Count + 1);
        }
    }

    /// <summary>
    /// Disposes every session of <paramref name="model"/> (any settings): for a model the job
    /// will not run again (a discarded Auto trial, a copy with extra outputs), so its memory is
    /// not held until the job ends. Asking for it later creates a new session.
    /// </summary>
    public void Release(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            if (_disposed) return;
            string key = KeyOf(model);
            foreach (var entry in _sessions.Where(p => p.Key.Model == key).ToArray())
            {
                _sessions.Remove(entry.Key);
                entry.Value.Dispose();
            }
        }
    }

    /// <summary>Disposes every session the factory holds.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var entry in _sessions.Values) entry.Dispose();
            _sessions.Clear();
        }
    }

    private InferenceSession Get(byte[] model, SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var key = (KeyOf(model), settings);
            if (_sessions.TryGetValue(key, out var existing)) return existing.Session;
            var entry = Create(model, settings);
            _sessions.Add(key, entry);
            _peakOpen = Math.Max(_peakOpen, _sessions.Count);
            return entry.Session;
        }
    }

    /// <summary>The only <c>new SessionOptions</c> and <c>new InferenceSession</c> of the engine.</summary>
    private Entry Create(byte[] model, SessionSettings settings)
    {
        var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            if (settings.OptimizationLevel is GraphOptimizationLevel level) options.GraphOptimizationLevel = level;
            if (settings.NoMemoryArena) options.EnableCpuMemArena = false;
            if (settings.IntraOpThreads is int threads)
            {
                options.IntraOpNumThreads = threads;
                options.InterOpNumThreads = 1;
                options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            }
            Target.Configure(options);
            var session = new InferenceSession(model, options);
            _created++;
            return new Entry(session, options);
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private string KeyOf(byte[] model)
        => _hashes.GetValue(model, bytes => Convert.ToHexString(SHA256.HashData(bytes)));

    /// <summary>A session and the options it was made with, disposed together.</summary>
    private sealed record Entry(InferenceSession Session, SessionOptions Options) : IDisposable
    {
        public void Dispose()
        {
            Session.Dispose();
            Options.Dispose();
        }
    }
}
