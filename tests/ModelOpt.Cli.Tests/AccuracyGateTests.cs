using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Cli.Tests;

/// <summary>The accuracy gate of <c>modelopt optimize</c>, on a model int4 cannot take, checked against ONNX Runtime.</summary>
public sealed class AccuracyGateTests
{
    private const int Size = 256;
    private const float Outlier = 5;

    [Fact]
    public void Int4_on_a_layer_that_cannot_take_it_fails_the_default_gate_with_MOPT0180_and_the_numbers()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size, Outlier);
        string output = Path.Combine(folder.Path, "out.onnx");

        var run = Cli.Run("optimize", model, "-o", output, "--quantize", "Int4", "--accuracy-fallback", "false");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{model}: error MOPT0180:", run.Error, StringComparison.Ordinal);
        // The message names the worst of the generated samples.
        Assert.Matches(@"output 'y', worst sample [0-9]+ 'generated_[0-9]+': cosine similarity 0\.[0-9]+ is below the required MinCosineSimilarity=0\.99", run.Error);
        Assert.Contains("8 generated inputs", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output), "nothing may be written from a model that failed the gate");
    }

    [Fact]
    public void The_accuracy_fallback_does_not_pass_off_a_model_with_every_node_in_float_as_quantized()
    {
        // The model's one MatMul is the node the fallback would keep in float: what is left
        // quantizes nothing, so it is the original under the mode's name, and the gate fails instead.
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size, Outlier);
        string output = Path.Combine(folder.Path, "out.onnx");

        var run = Cli.Run("optimize", model, "-o", output, "--quantize", "Int4");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("accuracy fallback: Int4, 1 most sensitive node in float", run.Output + run.Error, StringComparison.Ordinal);
        Assert.Contains($"{model}: error MOPT0180:", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Relaxed_the_same_model_passes_and_the_reported_metrics_are_ONNX_Runtimes()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size, Outlier);
        string data = Path.Combine(folder.Path, "validation");
        var samples = WriteSamples(data, 5);
        string output = Path.Combine(folder.Path, "out.onnx"), report = Path.Combine(folder.Path, "r.json"), html = Path.Combine(folder.Path, "r.html");

        var run = Cli.Run("optimize", model, "-o", output, "--quantize", "Int4", "--validation-data", data, "--min-cosine-similarity", "0.5",
            "--report", report, "--html-report", html, "--latency-runs", "3");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("gate passed", run.Output, StringComparison.Ordinal);
        var (cosines, maxError) = Metrics(model, output, samples);
        double cosine = cosines.Min();
        Assert.True(cosine < 0.99, $"the test model must be one int4 breaks; cosine {cosine}");
        Assert.Contains("worst cosine", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var accuracy = json.RootElement.GetProperty("accuracy");
        var measured = accuracy.GetProperty("comparison").GetProperty("outputs")[0];
        // The gate's cosine is the worst sample's (no longer all samples as one vector).
        Assert.Equal(cosine, measured.GetProperty("worstCosine").GetDouble(), 9);
        Assert.Equal(cosines.Average(), measured.GetProperty("meanCosine").GetDouble(), 9);
        Assert.Equal($"sample{Array.IndexOf(cosines, cosine)}", Path.GetFileNameWithoutExtension(measured.GetProperty("worstCosineSampleName").GetString()));
        Assert.Equal(maxError, measured.GetProperty("maxAbsoluteError").GetDouble(), 5);
        Assert.Equal(5, accuracy.GetProperty("comparison").GetProperty("sampleCount").GetInt32());
        Assert.True(accuracy.GetProperty("passed").GetBoolean());
        Assert.True(json.RootElement.GetProperty("latency").GetProperty("ratio").GetDouble() > 0);
        string page = File.ReadAllText(html);
        Assert.Contains("data-chart=\"before-after\"", page, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"bar\"", page, StringComparison.Ordinal);
        Assert.Contains("Cosine per sample: y", page, StringComparison.Ordinal);
    }

    [Fact]
    public void With_AccuracyGate_Warning_a_failing_model_is_written_with_warning_MOPT0180()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", Size, Outlier);
        string output = Path.Combine(folder.Path, "out.onnx");

        var run = Cli.Run("optimize", model, "-o", output, "--quantize", "Int4", "--accuracy-gate", "Warning", "--accuracy-fallback", "false");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("warning MOPT0180", run.Error, StringComparison.Ordinal);
        Assert.Contains("gate FAILED", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void Generated_validation_inputs_are_the_same_on_every_run()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 64);
        string first = Path.Combine(folder.Path, "a.json"), second = Path.Combine(folder.Path, "b.json");

        Assert.Equal(0, Cli.Run("optimize", model, "-o", Path.Combine(folder.Path, "a.onnx"), "--report", first, "--latency-runs", "0").ExitCode);
        Assert.Equal(0, Cli.Run("optimize", model, "-o", Path.Combine(folder.Path, "b.onnx"), "--report", second, "--latency-runs", "0").ExitCode);

        static string Accuracy(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("accuracy").GetRawText();
        Assert.Equal(Accuracy(first), Accuracy(second));
        Assert.Contains("seed", Accuracy(first), StringComparison.Ordinal);
    }

    /// <summary>Writes <paramref name="count"/> .npy inputs of shape [1, Size]; returns them.</summary>
    private static List<float[]> WriteSamples(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(11);
        var samples = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            var values = Enumerable.Range(0, Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            SampleFiles.NpyFloats(Path.Combine(folder, $"sample{i}.npy"), [1, Size], values);
            samples.Add(values);
        }
        return samples;
    }

    /// <summary>The cosine of each sample and the max absolute error over all, computed here from ONNX Runtime's outputs.</summary>
    private static (double[] Cosines, double MaxError) Metrics(string original, string optimized, List<float[]> samples)
    {
        using var a = new InferenceSession(original);
        using var b = new InferenceSession(optimized);
        double maxError = 0;
        var cosines = new List<double>();
        foreach (var sample in samples)
        {
            var x = Run(a, sample);
            var y = Run(b, sample);
            double dot = 0, normA = 0, normB = 0;
            for (int i = 0; i < x.Length; i++)
            {
                dot += (double)x[i] * y[i];
                normA += (double)x[i] * x[i];
                normB += (double)y[i] * y[i];
                maxError = Math.Max(maxError, Math.Abs((double)x[i] - y[i]));
            }
            cosines.Add(dot / Math.Sqrt(normA * normB));
        }
        return ([.. cosines], maxError);
    }

    private static float[] Run(InferenceSession session, float[] input)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, Size]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [value], session.OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
