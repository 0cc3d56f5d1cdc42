using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Cli.Commands;

/// <summary>
/// <c>modelopt compare &lt;a&gt; &lt;b&gt; [--data dir] [--input-shapes …] [--samples N] [--latency-runs N] [--json]</c>:
/// the accuracy of model b against model a (the reference) and the CPU latency of both, with
/// the validation engine the build uses. It only measures: whether the numbers are good enough
/// is for the build's thresholds, so it exits 0 whenever the comparison ran.
/// </summary>
/// <remarks>
/// Both models are read with <see cref="OnnxModelReader"/> and handed to ONNX Runtime as bytes
/// with every tensor inline (<see cref="OnnxModelWriter.ToBytes"/>), so models with external
/// data compare like any other (up to protobuf's 2 GB limit).
/// </remarks>
internal static class CompareCommand
{
    /// <summary>Samples used from <c>--data</c> unless <c>--samples</c> says otherwise.</summary>
    public const int DefaultDataSamples = 64;

    public const string UsageText = "modelopt compare <a.onnx> <b.onnx> [--data dir] [--input-shapes x=1,3,224,224] [--samples N] [--latency-runs N] [--json]";

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var request = Parse(args);

        using var sessions = new SessionFactory(ExecutionTarget.Cpu);
        byte[] reference;
        SampleSet? generated = null;
        using (var model = OnnxModelReader.Load(request.ReferencePath))
        {
            reference = OnnxModelWriter.ToBytes(model);
            // Generated inputs are planned from the reference's declared inputs, symbolic
            // dimensions sized as the build sizes them (probing the reference); the plan keeps no model.
            if (request.DataFolder is null)
            {
                generated = SampleSet.Generate(model, request.ReferencePath, request.InputShapes, request.Samples ?? SampleSet.DefaultGeneratedSampleCount,
                    probe: sample => sessions.TryRun(reference, sample));
            }
        }
        byte[] candidate = ReadModel(request.CandidatePath);

        var inputs = generated ?? SampleSet.FromFolder(request.DataFolder!, "--data", SamplePurpose.Validation);
        int maxSamples = request.Samples ?? (request.DataFolder is not null ? DefaultDataSamples : int.MaxValue);
        var comparison = ModelComparison.Compare(sessions, reference, candidate, inputs, request.CandidatePath, maxSamples);

        LatencyReport? latency = null;
        if (request.LatencyRuns > 0)
        {
            var sample = inputs.Samples().First();
            var measured = LatencyMeasurement.Measure(sessions, [reference, candidate], sample, LatencyMeasurement.DefaultWarmupRuns, request.LatencyRuns,
                modelPath: request.CandidatePath);
            latency = new LatencyReport(measured.MedianMilliseconds[0], measured.MedianMilliseconds[1], measured.Ratio(1),
                measured.Runs, measured.WarmupRuns, measured.IntraOpThreads, sample.Name);
        }

        var report = new CompareReport(request.ReferencePath, request.CandidatePath, comparison.Source, inputs.ResolvedShapes, comparison.SampleCount,
            comparison.Outputs, comparison.Notes, latency);
        if (request.Json) output.WriteLine(ReportWriter.Json(report));
        else WriteText(report, output);
        return CommandDispatcher.Success;
    }

    private static CompareRequest Parse(IReadOnlyList<string> args)
    {
        var models = new List<string>();
        string? data = null;
        IReadOnlyDictionary<string, long[]>? shapes = null;
        int? samples = null;
        int latencyRuns = LatencyMeasurement.DefaultRuns;
        bool json = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--json")
            {
                json = true;
                continue;
            }
            if (!arg.StartsWith('-'))
            {
                if (models.Count == 2) throw Usage($"unexpected argument '{arg}'");
                models.Add(arg);
                continue;
            }
            if (arg is not ("--data" or "--input-shapes" or "--samples" or "--latency-runs"))
            {
                throw Usage($"unknown option '{arg}'");
            }
            if (i + 1 >= args.Count) throw Usage($"option '{arg}' needs a value");
            string value = args[++i];
            switch (arg)
            {
                case "--data": data = value.Length > 0 ? value : throw Usage("--data needs a folder"); break;
                case "--input-shapes": shapes = ParseShapes(value); break;
                case "--samples": samples = ParseCount(arg, value, min: 1); break;
                default: latencyRuns = ParseCount(arg, value, min: 0); break;
            }
        }
        if (models.Count != 2) throw Usage("two models are required, the reference (a) and the one compared with it (b)");
        if (data is not null && shapes is not null)
        {
            throw Usage("--input-shapes shapes generated inputs; with --data the tensors give the shapes, so leave one of them out");
        }
        return new CompareRequest(models[0], models[1], data, shapes, samples, latencyRuns, json);
    }

    /// <summary>The InputShapes syntax (<c>x=1,3,224,224;mask=1,128</c>), parsed as the build parses the metadata; a bad value is a usage error here.</summary>
    private static IReadOnlyDictionary<string, long[]> ParseShapes(string value)
    {
        try
        {
            return OptimizationOptions.Parse([KeyValuePair.Create("input-shapes", value)], null, "--input-shapes").InputShapes;
        }
        catch (ModelOptException e) when (e.Code == DiagnosticCode.InvalidOption)
        {
            throw Usage(e.Message);
        }
    }

    private static int ParseCount(string option, string value, int min)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min
            ? n
            : throw Usage($"{option} '{value}' is not valid; expected a whole number from {min.ToString(CultureInfo.InvariantCulture)}");

    private static byte[] ReadModel(string path)
    {
        using var model = OnnxModelReader.Load(path);
        return OnnxModelWriter.ToBytes(model);
    }

    private static void WriteText(CompareReport r, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine($"a (reference): {r.Reference}");
        o.WriteLine($"b:             {r.Candidate}");
        o.WriteLine($"inputs:        {r.Source}");
        if (r.InputShapes.Count > 0) o.WriteLine($"shapes:        {string.Join(", ", r.InputShapes)}");
        o.WriteLine(string.Create(c, $"samples:       {r.SampleCount}"));
        o.WriteLine();

        // Per sample, as the build's gate measures: the worst sample, the mean over samples, and which sample is worst.
        string[] header = ["output", "worst cosine", "mean cosine", "worst sample", "max abs error", "mean abs error", "top-1 agreement"];
        var rows = r.Outputs.Select(m => new[]
        {
            m.Output,
            m.WorstCosine.ToString("F6", c),
            m.MeanCosine.ToString("F6", c),
            string.Create(c, $"{m.WorstCosineSample} '{m.WorstCosineSampleName}'"),
            m.MaxAbsoluteError.ToString("G6", c),
            m.MeanAbsoluteError.ToString("G6", c),
            m.TopOneAgreement is double top ? top.ToString("F4", c) : "—",
        }).ToList();
        int[] widths = [.. header.Select((h, k) => rows.Select(row => row[k].Length).Append(h.Length).Max())];
        o.WriteLine(FormatRow(header, widths));
        foreach (var row in rows) o.WriteLine(FormatRow(row, widths));
        foreach (string note in r.Notes) o.WriteLine($"note: {note}");
        o.WriteLine();

        if (r.Latency is not { } l)
        {
            o.WriteLine("latency:       not measured (--latency-runs 0)");
            return;
        }
        o.WriteLine(string.Create(c, $"latency (ONNX Runtime CPU, median of {l.Runs} runs after {l.WarmupRuns} warm-up, {l.IntraOpThreads} intra-op threads, sample '{l.Sample}'):"));
        o.WriteLine(string.Create(c, $"  a:   {l.ReferenceMilliseconds:F3} ms"));
        o.WriteLine(string.Create(c, $"  b:   {l.CandidateMilliseconds:F3} ms"));
        o.WriteLine(string.Create(c, $"  b/a: {l.Ratio:F3}"));
    }

    private static string FormatRow(string[] cells, int[] widths)
        => string.Join("  ", cells.Select((cell, k) => cell.PadRight(widths[k]))).TrimEnd();

    private static ModelOptException Usage(string why)
        => new(DiagnosticCode.InvalidArgument, null, $"compare: {why}. Usage: {UsageText}");

    private sealed record CompareRequest(string ReferencePath, string CandidatePath, string? DataFolder,
        IReadOnlyDictionary<string, long[]>? InputShapes, int? Samples, int LatencyRuns, bool Json);

    /// <summary>What <c>modelopt compare</c> prints (as JSON with <c>--json</c>).</summary>
    /// <param name="Reference">Model a, the reference.</param>
    /// <param name="Candidate">Model b, measured against a.</param>
    /// <param name="Source">Where the inputs came from.</param>
    /// <param name="InputShapes">For generated inputs, the shape each got and how it was chosen; empty for <c>--data</c>.</param>
    /// <param name="SampleCount">How many samples both models ran on.</param>
    /// <param name="Outputs">The metrics per output, in a's output order: worst and mean over the samples, and each sample's.</param>
    /// <param name="Notes">Outputs left out and why.</param>
    /// <param name="Latency">The latency of both models, or null with <c>--latency-runs 0</c>.</param>
    internal sealed record CompareReport(string Reference, string Candidate, string Source, IReadOnlyList<ResolvedInputShape> InputShapes, int SampleCount,
        IReadOnlyList<OutputMetrics> Outputs, IReadOnlyList<string> Notes, LatencyReport? Latency);

    /// <summary>Median latency of a and b on one sample, in ONNX Runtime on the CPU.</summary>
    /// <param name="ReferenceMilliseconds">Median time of one run of a.</param>
    /// <param name="CandidateMilliseconds">Median time of one run of b.</param>
    /// <param name="Ratio">b / a (below 1: b is faster).</param>
    /// <param name="Runs">Timed runs per model.</param>
    /// <param name="WarmupRuns">Untimed runs per model first.</param>
    /// <param name="IntraOpThreads">ONNX Runtime's intra-op threads per session.</param>
    /// <param name="Sample">The sample timed (the first one).</param>
    internal sealed record LatencyReport(double ReferenceMilliseconds, double CandidateMilliseconds, double Ratio,
        int Runs, int WarmupRuns, int IntraOpThreads, string Sample);
}
