using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Benchmarks;

/// <summary>
/// <c>measure-session &lt;model.onnx&gt; [level] [arena]</c>: ONNX Runtime's own share of a job,
/// apart from ours. Creates one session of the file (from its bytes, as the engine does) with
/// the graph optimization level (<c>ORT_DISABLE_ALL</c>, <c>ORT_ENABLE_BASIC</c>,
/// <c>ORT_ENABLE_ALL</c>, the default) and CPU memory arena (<c>true</c>, the default, or
/// <c>false</c>) given, and ONNX Runtime session configuration entries (<c>key=value</c>, e.g.
/// <c>session.disable_prepacking=1</c>) after them, and prints the time, CPU time and resident memory it added while alive.
/// One session per process: memory a disposed session gave back to the allocator would hide the next one's.
/// </summary>
internal static class SessionCreationProbe
{
    public const string Command = "measure-session";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count < 1) throw new ArgumentException($"usage: {Command} <model.onnx> [ORT_DISABLE_ALL|ORT_ENABLE_BASIC|ORT_ENABLE_ALL] [true|false] [key=value ...]");
        var level = args.Count > 1 ? Enum.Parse<GraphOptimizationLevel>(args[1]) : GraphOptimizationLevel.ORT_ENABLE_ALL;
        bool arena = args.Count <= 2 || bool.Parse(args[2]);
        byte[] model = File.ReadAllBytes(args[0]);
        ProcessMemory.Settle();
        bool reset = ProcessMemory.TryResetPeak();
        long before = ProcessMemory.CurrentResidentBytes();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, GraphOptimizationLevel = level, EnableCpuMemArena = arena };
        foreach (string entry in args.Skip(3)) options.AddSessionConfigEntry(entry[..entry.IndexOf('=', StringComparison.Ordinal)], entry[(entry.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        using var session = new InferenceSession(model, options);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{level,-17} arena {arena,-5} {string.Join(' ', args.Skip(3))}: {clock.Elapsed.TotalSeconds,7:0.00} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} s CPU), resident +{Units.MiB(ProcessMemory.CurrentResidentBytes() - before)}, peak +{Units.MiB(ProcessMemory.PeakResidentBytes() - before)}{(reset ? "" : " (peak not reset)")}"));
        return 0;
    }
}
