using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>
/// The float16 conversion over ONNX's backend test suite (node tests with FLOAT inputs or outputs): every
/// converted model whose original ONNX Runtime could run must load and run too. This is how the
/// block list was found (docs/engine.md); the numeric agreement is printed, not asserted, because
/// the suite's data (random normals, large exponents) is not what float16 models are built for.
/// </summary>
public sealed class Float16BackendSuiteTests(ITestOutputHelper output)
{
    /// <summary>ONNX's node tests as installed by Debian's libonnx-testdata.</summary>
    private const string NodeSuite = "/usr/share/libonnx-testdata/data/node";

    private static readonly HashSet<string> RandomOperators = new(StringComparer.Ordinal)
    {
        "Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
    };

    [Fact]
    public void EveryConvertedModelThatRanInFloatStillLoadsAndRuns()
    {
        var cases = Directory.GetDirectories(NodeSuite).Order(StringComparer.Ordinal).ToArray();
        Assert.True(cases.Length >= 500, $"{cases.Length} node tests under {NodeSuite}; install the Debian package libonnx-testdata.");

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        var outcomes = new List<SuiteOutcome>();
        foreach (string folder in cases)
        {
            if (Outcome(folder, options) is { } outcome) outcomes.Add(outcome);
        }

        var refused = outcomes.Where(o => o.Refused is not null).ToArray();
        var ran = outcomes.Where(o => o.OriginalError is null && o.Refused is null).ToArray();
        var failed = ran.Where(o => o.ConvertedError is not null).ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"node tests with FLOAT inputs or outputs: {outcomes.Count}; refused (opset below 6, {DiagnosticCode.Float16OpsetTooOld}): {refused.Length}; original ran in ONNX Runtime: {ran.Length}; converted loaded and ran: {ran.Length - failed.Length}; failed: {failed.Length}; with FLOAT16 nodes: {ran.Count(o => o.Converted)}"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"converted outputs within 1e-2 (absolute and relative) of the original's: {ran.Count(o => o.ConvertedError is null && o.Difference is null)}; random operators (not compared): {ran.Count(o => o.Random)}"));
        foreach (var o in failed) text.AppendLine($"FAILED {o.Name}: {o.ConvertedError}");
        foreach (var group in ran.SelectMany(o => o.Kept).GroupBy(k => k, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"kept in FLOAT ({group.Count()}x) {group.Key}"));
        }
        foreach (var o in refused) text.AppendLine($"refused {o.Name}");
        foreach (var o in ran.Where(o => o.ConvertedError is null && o.Difference is not null)) text.AppendLine($"differs {o.Name}: {o.Difference}");
        foreach (var o in outcomes.Where(o => o.OriginalError is not null)) text.AppendLine($"original did not run {o.Name}: {o.OriginalError}");
        output.WriteLine(text.ToString());

        Assert.True(ran.Length >= 300, $"only {ran.Length} models ran");
        Assert.Empty(failed.Select(o => $"{o.Name}: {o.ConvertedError}"));
    }

    private static SuiteOutcome? Outcome(string folder, SessionOptions options)
    {
        string modelPath = Path.Combine(folder, "model.onnx");
        string dataSet = Path.Combine(folder, "test_data_set_0");
        if (!File.Exists(modelPath) || !Directory.Exists(dataSet)) return null;
        using var model = OnnxModelReader.Load(modelPath);
        var initializers = model.Graph.Initializers.ToHashSet();
        bool floatInterface = model.Graph.Inputs.Where(i => !initializers.Contains(i)).Concat(model.Graph.Outputs).Any(v => v.ElementType == ElementType.Float);
        if (!floatInterface) return null;
        // Sequences, optionals and maps are stored in .pb files of other message types; this test feeds tensors only.
        if (model.Graph.Inputs.Concat(model.Graph.Outputs).Any(v => v.Type is { } type && type.ValueCase != TypeProto.ValueOneofCase.TensorType)) return null;

        var inputFiles = Directory.GetFiles(dataSet, "input_*.pb").Order(StringComparer.Ordinal).ToArray();
        var inputs = inputFiles.Select(f => TensorProto.Parser.ParseFrom(File.ReadAllBytes(f))).ToArray();
        string name = Path.GetFileName(folder);
        bool random = model.Graph.AllNodes().Any(n => RandomOperators.Contains(n.OpType) || n.OpType == "Dropout" && n.Inputs.Count > 2);

        var (originalOutputs, originalError) = Run(File.ReadAllBytes(modelPath), inputs, options);
        if (originalError is not null) return new SuiteOutcome(name, originalError, null, null, random);

        PassResult<Float16ConversionReport> result;
        try
        {
            result = new Float16ConversionPass().Run(model);
        }
        catch (ModelOptException e) when (e.Code == DiagnosticCode.Float16OpsetTooOld)
        {
            return new SuiteOutcome(name, null, null, null, random) { Refused = e.Code };
        }
        var (convertedOutputs, convertedError) = Run(OnnxModelWriter.ToBytes(model), inputs, options);
        string? difference = convertedError is null && !random ? Compare(originalOutputs!, convertedOutputs!) : null;
        return new SuiteOutcome(name, null, convertedError, difference, random)
        {
            Converted = result.Report.QuantizedCount > 0,
            Kept = result.Report.FloatNodes.Select(n => $"{n.OpType}: {n.Reason}").ToArray(),
        };
    }

    private static (double[]?[]? Outputs, string? Error) Run(byte[] model, TensorProto[] inputs, SessionOptions options)
    {
        var values = new List<OrtValue>();
        try
        {
            using var session = new InferenceSession(model, options);
            foreach (var input in inputs)
            {
                values.Add(SuiteTensors.ToOrtValue(input) ?? throw new NotSupportedException($"input type {input.DataType}"));
            }
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, session.InputNames.Take(values.Count).ToArray(), values, session.OutputNames);
            return (results.Select(SuiteTensors.ToDoubles).ToArray(), null);
        }
        catch (Exception e) when (e is OnnxRuntimeException or NotSupportedException)
        {
            int end = e.Message.IndexOf('\n', StringComparison.Ordinal);
            return (null, end < 0 ? e.Message : e.Message[..end]);
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static string? Compare(double[]?[] expected, double[]?[] actual)
    {
        for (int o = 0; o < expected.Length; o++)
        {
            if (expected[o] is not { } e || actual[o] is not { } a) continue;
            if (e.Length != a.Length) return $"output {o}: {a.Length} elements, expected {e.Length}";
            for (int i = 0; i < e.Length; i++)
            {
                bool same = e[i].Equals(a[i]) || Math.Abs(e[i] - a[i]) <= 1e-2 + 1e-2 * Math.Abs(e[i]);
                if (!same) return string.Create(CultureInfo.InvariantCulture, $"output {o}[{i}]: {a[i]:G6}, expected {e[i]:G6}");
            }
        }
        return null;
    }

    private sealed record SuiteOutcome(string Name, string? OriginalError, string? ConvertedError, string? Difference, bool Random)
    {
        /// <summary>The diagnostic code when the pass refused the model (opset below 6).</summary>
        public string? Refused { get; init; }

        /// <summary>True when at least one node computes in FLOAT16 now.</summary>
        public bool Converted { get; init; }

        /// <summary>The nodes left in FLOAT, as "op: reason".</summary>
        public IReadOnlyList<string> Kept { get; init; } = [];
    }
}
