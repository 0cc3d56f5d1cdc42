using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelOpt.Cli.Tests;

public sealed class CompareCommandTests
{
    private const int Size = 64;

    [Fact]
    public void A_model_against_itself_has_cosine_1_and_no_error()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size);

        var (exitCode, output, error) = Cli.Run("compare", model, model, "--latency-runs", "0");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("inputs:        8 generated inputs (seed ", output, StringComparison.Ordinal);
        Assert.Contains("samples:       8", output, StringComparison.Ordinal);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("output", StringComparison.Ordinal));
        Assert.Equal(["output", "worst", "cosine", "mean", "cosine", "worst", "sample", "max", "abs", "error", "mean", "abs", "error", "top-1", "agreement"], Cells(lines[header]));
        // y is [1, 64]: classification-shaped, so top-1 agreement is measured (and is 1). Which sample is "worst" is
        // decided by the last bit of each cosine's rounding, so only its form is checked.
        string[] cells = Cells(lines[header + 1]);
        Assert.Equal(["y", "1.000000", "1.000000", "0", "0", "1.0000"], cells[..3].Concat(cells[5..]));
        Assert.Equal($"'generated_{cells[3]}'", cells[4]);
        Assert.Contains("latency:       not measured (--latency-runs 0)", output, StringComparison.Ordinal);

        var (jsonExit, json, _) = Cli.Run("compare", model, model, "--json", "--samples", "3", "--latency-runs", "2");
        Assert.Equal(0, jsonExit);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("sampleCount").GetInt32());
        var y = Assert.Single(root.GetProperty("outputs").EnumerateArray().ToList());
        Assert.Equal("y", y.GetProperty("output").GetString());
        Assert.Equal(1.0, y.GetProperty("worstCosine").GetDouble());
        Assert.Equal(1.0, y.GetProperty("meanCosine").GetDouble());
        Assert.Equal(3, y.GetProperty("samples").GetArrayLength());
        Assert.Equal(0.0, y.GetProperty("maxAbsoluteError").GetDouble());
        Assert.Equal(0.0, y.GetProperty("meanAbsoluteError").GetDouble());
        Assert.Equal(1.0, y.GetProperty("topOneAgreement").GetDouble());
        Assert.Equal(3 * Size, y.GetProperty("elements").GetInt64());
        var latency = root.GetProperty("latency");
        double a = latency.GetProperty("referenceMilliseconds").GetDouble(), b = latency.GetProperty("candidateMilliseconds").GetDouble();
        Assert.True(a > 0 && b > 0, $"latencies {a} and {b} must be positive");
        Assert.Equal(b / a, latency.GetProperty("ratio").GetDouble(), 12);
        Assert.Equal(2, latency.GetProperty("runs").GetInt32());
        Assert.Equal(3, latency.GetProperty("warmupRuns").GetInt32());
    }

    [Fact]
    public void Symbolic_dimensions_are_probed_as_the_build_probes_them()
    {
        using var folder = new TempFolder();
        string model = folder.File("recognizer.onnx");
        using (var recognizer = SymbolicModels.Recognizer()) ModelOpt.Onnx.Serialization.OnnxModelWriter.Save(recognizer, model);

        var (exitCode, output, error) = Cli.Run("compare", model, model, "--latency-runs", "0");

        Assert.True(exitCode == 0, error);
        Assert.Contains("shapes:        x=1,3,48,", output, StringComparison.Ordinal);
        Assert.Contains("(probed)", output, StringComparison.Ordinal);
        Assert.Contains("samples:       8", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_against_the_quantized_model_match_an_independent_computation()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size);
        string quantized = Path.Combine(folder.Path, "q.onnx");
        Assert.Equal(0, Cli.Run("optimize", model, "-o", quantized, "--quantize", "Dynamic").ExitCode);

        // Five samples of a single-input model: one .npy file per sample.
        string data = Path.Combine(folder.Path, "data");
        Directory.CreateDirectory(data);
        var random = new Random(7);
        var samples = new List<float[]>();
        for (int s = 0; s < 5; s++)
        {
            var x = new float[Size];
            for (int i = 0; i < Size; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
            samples.Add(x);
            SampleFiles.NpyFloats(Path.Combine(data, $"sample_{s}.npy"), [1, Size], x);
        }

        var (exitCode, json, error) = Cli.Run("compare", model, quantized, "--data", data, "--json", "--latency-runs", "0");

        Assert.True(exitCode == 0, error);
        var expected = Expected(model, quantized, samples);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(5, root.GetProperty("sampleCount").GetInt32());
        Assert.Equal($"--data folder {Path.GetFullPath(data)}", root.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("latency").ValueKind);
        Assert.Empty(root.GetProperty("notes").EnumerateArray());
        var y = Assert.Single(root.GetProperty("outputs").EnumerateArray().ToList());
        Assert.Equal(5 * Size, y.GetProperty("elements").GetInt64());
        Assert.Equal(expected.MaxAbs, y.GetProperty("maxAbsoluteError").GetDouble());
        Assert.Equal(expected.MeanAbs, y.GetProperty("meanAbsoluteError").GetDouble(), 1e-12);
        // Per sample (the gate's measure): worst and mean of the five, the worst named by its file, and each sample's value.
        Assert.Equal(expected.Cosines.Min(), y.GetProperty("worstCosine").GetDouble(), 1e-12);
        Assert.Equal(expected.Cosines.Average(), y.GetProperty("meanCosine").GetDouble(), 1e-12);
        int worst = Array.IndexOf(expected.Cosines, expected.Cosines.Min());
        Assert.Equal(worst, y.GetProperty("worstCosineSample").GetInt32());
        Assert.StartsWith($"sample_{worst}", y.GetProperty("worstCosineSampleName").GetString(), StringComparison.Ordinal);
        var perSample = y.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(5, perSample.Count);
        for (int s = 0; s < 5; s++) Assert.Equal(expected.Cosines[s], perSample[s].GetProperty("cosine").GetDouble(), 1e-12);
        Assert.Equal(expected.TopOne, y.GetProperty("topOneAgreement").GetDouble());
        // Quantization did change the output, so these are real numbers, not the trivial ones.
        Assert.True(expected.MaxAbs > 1e-4, $"max abs error {expected.MaxAbs}");
        Assert.InRange(expected.Cosines.Min(), 0.99, 1 - 1e-9);

        // --samples caps the samples taken from --data (the first ones, in name order).
        var (_, capped, _) = Cli.Run("compare", model, quantized, "--data", data, "--json", "--latency-runs", "0", "--samples", "2");
        using var cappedDoc = JsonDocument.Parse(capped);
        Assert.Equal(2, cappedDoc.RootElement.GetProperty("sampleCount").GetInt32());
        var cappedY = cappedDoc.RootElement.GetProperty("outputs")[0];
        Assert.Equal(Expected(model, quantized, samples.Take(2).ToList()).MaxAbs, cappedY.GetProperty("maxAbsoluteError").GetDouble());
    }

    [Fact]
    public void ResNet18_against_its_dynamic_quantized_output_is_close_and_timed()
    {
        using var folder = new TempFolder();
        string quantized = Path.Combine(folder.Path, "r.onnx");
        Assert.Equal(0, Cli.Run("optimize", TestData.ResNet18Path, "-o", quantized, "--quantize", "Dynamic").ExitCode);

        var (exitCode, output, error) = Cli.Run("compare", TestData.ResNet18Path, quantized, "--samples", "2", "--latency-runs", "3");

        Assert.True(exitCode == 0, error);
        Assert.Contains("samples:       2", output, StringComparison.Ordinal);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("output", StringComparison.Ordinal));
        string[] row = Cells(lines[header + 1]);
        double cosine = double.Parse(row[1], CultureInfo.InvariantCulture);
        Assert.InRange(cosine, 0.99, 1.0);
        Assert.True(double.Parse(row[2], CultureInfo.InvariantCulture) > 0, "quantization must change the output");
        var a = Regex.Match(output, @"^  a:   (\d+\.\d{3}) ms$", RegexOptions.Multiline);
        var b = Regex.Match(output, @"^  b:   (\d+\.\d{3}) ms$", RegexOptions.Multiline);
        var ratio = Regex.Match(output, @"^  b/a: (\d+\.\d{3})$", RegexOptions.Multiline);
        Assert.True(a.Success && b.Success && ratio.Success, output);
        Assert.True(double.Parse(a.Groups[1].Value, CultureInfo.InvariantCulture) > 0);
        Assert.True(double.Parse(ratio.Groups[1].Value, CultureInfo.InvariantCulture) > 0);
        Assert.Contains("median of 3 runs after 3 warm-up", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("the second model is missing", "two models are required")]
    [InlineData("an unknown option", "unknown option '--bogus'")]
    [InlineData("a bad sample count", "--samples '0' is not valid")]
    [InlineData("a bad shape", "InputShapes=\"x=1,a\" is not valid")]
    public void Usage_errors_exit_2_with_a_message(string problem, string message)
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 8);
        string[] args = problem switch
        {
            "the second model is missing" => ["compare", model],
            "an unknown option" => ["compare", model, model, "--bogus", "1"],
            "a bad sample count" => ["compare", model, model, "--samples", "0"],
            _ => ["compare", model, model, "--input-shapes", "x=1,a"],
        };

        var (exitCode, output, error) = Cli.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("error MOPT", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("Usage: modelopt compare <a.onnx> <b.onnx>", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_is_a_canonical_MOPT0001_error()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 8);
        string missing = Path.Combine(folder.Path, "missing.onnx");

        var (exitCode, output, error) = Cli.Run("compare", model, missing);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith($"{missing}: error MOPT0001:", error, StringComparison.Ordinal);
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The metrics computed here, from both models run in ONNX Runtime on the same inputs: the cosine of each sample, the errors over all.</summary>
    private static (double[] Cosines, double MaxAbs, double MeanAbs, double TopOne) Expected(string reference, string candidate, List<float[]> samples)
    {
        using var a = new InferenceSession(reference);
        using var b = new InferenceSession(candidate);
        double sumAbs = 0, maxAbs = 0;
        var cosines = new List<double>();
        int agree = 0;
        long elements = 0;
        foreach (var x in samples)
        {
            float[] ya = RunOnce(a, x), yb = RunOnce(b, x);
            double dot = 0, normA = 0, normB = 0;
            for (int i = 0; i < ya.Length; i++)
            {
                double p = ya[i], q = yb[i];
                dot += p * q;
                normA += p * p;
                normB += q * q;
                sumAbs += Math.Abs(p - q);
                maxAbs = Math.Max(maxAbs, Math.Abs(p - q));
            }
            cosines.Add(dot / Math.Sqrt(normA * normB));
            elements += ya.Length;
            if (Array.IndexOf(ya, ya.Max()) == Array.IndexOf(yb, yb.Max())) agree++;
        }
        return ([.. cosines], maxAbs, sumAbs / elements, (double)agree / samples.Count);
    }

    private static float[] RunOnce(InferenceSession session, float[] x)
    {
        var input = NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [1, x.Length]));
        using var results = session.Run([input]);
        return [.. results.Single().AsEnumerable<float>()];
    }
}
