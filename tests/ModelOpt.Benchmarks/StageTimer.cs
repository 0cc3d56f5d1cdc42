using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ModelOpt.Benchmarks;

/// <summary>
/// A progress writer for the engine that stamps each of its lines (one per stage: load, the
/// gate's reference, quantize, serialize, each ONNX Runtime load check, comparison, latency,
/// per-node error, write) with the wall and CPU seconds since the stage before and the resident
/// memory now: where the time and memory of a job go, stage by stage, without a profiler.
/// </summary>
internal sealed class StageTimer : TextWriter
{
    /// <summary>The prefix of a stage line in a measuring child's output.</summary>
    public const string Prefix = "STAGE ";

    private readonly TextWriter _output;
    private readonly StringBuilder _line = new();
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private TimeSpan _lastWall;
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;

    public StageTimer(TextWriter output) => _output = output;

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            Stamp(_line.ToString().TrimEnd('\r'));
            _line.Clear();
        }
        else
        {
            _line.Append(value);
        }
    }

    private void Stamp(string line)
    {
        var wall = _wall.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}{(wall - _lastWall).TotalSeconds,7:0.00} s {(cpu - _lastCpu).TotalSeconds,7:0.00} s CPU {Units.MiB(ProcessMemory.CurrentResidentBytes()),10} RSS  until: {line}"));
        _lastWall = wall;
        _lastCpu = cpu;
    }
}
