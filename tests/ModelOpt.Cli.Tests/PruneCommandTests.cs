using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Cli.Tests;

/// <summary><c>modelopt optimize --prune</c> on the real ResNet18, checked against ONNX Runtime running the original.</summary>
public sealed class PruneCommandTests
{
    private const int Features = 512;

    [Fact]
    public void Structured_pruning_quarters_ResNet18_and_keeps_its_output_shape()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "pruned.onnx"), report = Path.Combine(folder.Path, "r.json"), markdown = Path.Combine(folder.Path, "r.md");

        var run = Cli.Run("optimize", TestData.ResNet18Path, "-o", output, "--report", report, "--markdown-report", markdown,
            "--prune", "Structured", "--sparsity", "0.5", "--prune-output-channels", "true", "--quantize", "None",
            // Without fine-tuning the features drift far (cosine ≈ 0.1, see docs/engine.md): the gate would refuse the model.
            "--min-cosine-similarity", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("pruned Structured (50% of channels; MACs 26%, parameters 25% of original)", run.Output, StringComparison.Ordinal);
        Assert.Contains("(gate off)", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.True(root.GetProperty("macsComplete").GetBoolean());
        Assert.Equal(2_044_772_352, root.GetProperty("originalMacs").GetInt64());
        Assert.True(root.GetProperty("optimizedMacs").GetInt64() <= 0.30 * 2_044_772_352);
        var pruning = root.GetProperty("pruning");
        Assert.Equal(["Pooling395_Output_0"], pruning.GetProperty("zeroFilledOutputs").EnumerateArray().Select(e => e.GetString()));
        var layers = pruning.GetProperty("layers").EnumerateArray().ToArray();
        var firstConv = layers[0];
        Assert.Equal((64, 32), (firstConv.GetProperty("channelsBefore").GetInt32(), firstConv.GetProperty("channelsAfter").GetInt32()));
        Assert.Contains("| Convolution249 | Conv | 64 | 32 |", File.ReadAllText(markdown), StringComparison.Ordinal);

        // Same output shape; the removed half of the features (the last conv's, which feeds the
        // output through the residual Add, ReLU and pool) reads as exactly zero.
        var kept = layers.Single(l => l.GetProperty("node").GetString() == "Convolution387").GetProperty("keptChannels").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        Assert.Equal(Features / 2, kept.Count);
        var original = RunModel(TestData.ResNet18Path);
        var pruned = RunModel(output);
        Assert.Equal(original.Length, pruned.Length);
        Assert.All(Enumerable.Range(0, Features).Where(f => !kept.Contains(f)), f => Assert.Equal(0f, pruned[f]));
    }

    [Fact]
    public void Magnitude_pruning_then_Dynamic_quantization_compresses_better_than_quantization_alone()
    {
        using var folder = new TempFolder();
        string dense = Path.Combine(folder.Path, "dense.onnx.br"), sparse = Path.Combine(folder.Path, "sparse.onnx.br"), report = Path.Combine(folder.Path, "r.json");

        Assert.Equal(0, Cli.Run("optimize", TestData.ResNet18Path, "-o", dense, "--resource-compression", "Brotli").ExitCode);
        var run = Cli.Run("optimize", TestData.ResNet18Path, "-o", sparse, "--report", report, "--resource-compression", "Brotli",
            "--prune", "Magnitude", "--sparsity", "0.5", "--prune-scope", "Global", "--min-cosine-similarity", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("pruned Magnitude (50.0% of weights zero)", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.InRange(json.RootElement.GetProperty("pruning").GetProperty("sparsity").GetDouble(), 0.495, 0.505);
        double ratio = (double)new FileInfo(sparse).Length / new FileInfo(dense).Length;
        Assert.True(ratio < 0.8, $"pruned and quantized, compressed: {ratio:P1} of quantized alone");
    }

    /// <summary>The model's single output on a fixed input pattern (a smooth gradient image).</summary>
    private static float[] RunModel(string path)
    {
        var input = new float[3 * 224 * 224];
        for (int i = 0; i < input.Length; i++) input[i] = (i % 224) + (i / 224 % 224) * 0.5f;
        using var session = new InferenceSession(path);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 224, 224]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputNames[0]], [value], session.OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
