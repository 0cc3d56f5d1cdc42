using System.Text.Json;
using Xunit.Abstractions;

namespace ModelOpt.Cli.Tests;

/// <summary><c>--quantize Auto --objective Size</c>: every trial in the report, the smallest passing model chosen.</summary>
public sealed class AutoSearchTests(ITestOutputHelper log)
{
    [Fact]
    public void Auto_on_ResNet18_with_real_images_is_no_larger_than_the_best_single_mode_that_passes()
    {
        using var folder = new TempFolder();
        string images = Path.Combine(folder.Path, "images");
        ResNetInputs.WriteNpyFiles(images);
        string output = Path.Combine(folder.Path, "auto.onnx"), report = Path.Combine(folder.Path, "r.json"), html = Path.Combine(folder.Path, "r.html");

        var run = Cli.Run("optimize", TestData.ResNet18Path, "-o", output, "--report", report, "--html-report", html, "--markdown-report", Path.ChangeExtension(report, ".md"),
            "--quantize", "Auto", "--objective", "Size", "--calibration-data", images, "--min-cosine-similarity", "0.995", "--latency-runs", "3");

        Assert.True(run.ExitCode == 0, run.Error);
        log.WriteLine(run.Output);
        log.WriteLine(File.ReadAllText(Path.ChangeExtension(report, ".md")));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var trials = json.RootElement.GetProperty("trials").EnumerateArray().ToArray();
        // Every mode was tried (Static because CalibrationData is there), each with its size and metrics.
        var singleModes = trials.Where(t => t.GetProperty("keptInFloat").GetArrayLength() == 0).ToArray();
        Assert.Equal(["Int4", "Static", "Dynamic", "Float16"], singleModes.Select(t => t.GetProperty("configuration").GetString()));
        Assert.All(trials, t => Assert.True(t.GetProperty("bytes").GetInt64() > 0 && t.GetProperty("worstCosine").GetDouble() > 0));
        var chosen = Assert.Single(trials, t => t.GetProperty("chosen").GetBoolean());
        Assert.True(chosen.GetProperty("passed").GetBoolean());
        Assert.True(chosen.GetProperty("worstCosine").GetDouble() >= 0.995);
        long bestSingle = singleModes.Where(t => t.GetProperty("passed").GetBoolean()).Min(t => t.GetProperty("bytes").GetInt64());
        Assert.True(chosen.GetProperty("bytes").GetInt64() <= bestSingle, $"chosen {chosen.GetProperty("bytes").GetInt64()} bytes, best single mode {bestSingle}");
        Assert.True(new FileInfo(output).Length <= 0.26 * new FileInfo(TestData.ResNet18Path).Length);
        Assert.Contains("Auto chose", run.Output, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"scatter\"", File.ReadAllText(html), StringComparison.Ordinal);

        // Cached and deterministic: the same inputs and options give the same bytes.
        string again = Path.Combine(folder.Path, "again.onnx");
        Assert.Equal(0, Cli.Run("optimize", TestData.ResNet18Path, "-o", again, "--quantize", "Auto", "--objective", "Size", "--calibration-data", images,
            "--min-cosine-similarity", "0.995", "--latency-runs", "0").ExitCode);
        Assert.Equal(File.ReadAllBytes(output), File.ReadAllBytes(again));

        // Trading up to 1% of size for speed: Dynamic and Static are within 0.5% of each other on
        // ResNet18, and Static (QDQ) runs much faster on CPUs than Dynamic's ConvInteger. The gate
        // checks the worst sample since issue 11, and Static's worst crop ('synthetic', about 0.9887)
        // is below 0.995, so the bound is one both pass, to keep both in the tie-break.
        string tolerant = Path.Combine(folder.Path, "tolerant.json");
        var traded = Cli.Run("optimize", TestData.ResNet18Path, "-o", Path.Combine(folder.Path, "tolerant.onnx"), "--report", tolerant, "--quantize", "Auto", "--objective", "Size",
            "--calibration-data", images, "--min-cosine-similarity", "0.985", "--latency-runs", "10", "--auto-size-tolerance", "0.01");
        Assert.True(traded.ExitCode == 0, traded.Error);
        log.WriteLine(traded.Output);
        using var tradedJson = JsonDocument.Parse(File.ReadAllText(tolerant));
        var tied = tradedJson.RootElement.GetProperty("trials").EnumerateArray().Where(t => t.GetProperty("latencyRatio").ValueKind == JsonValueKind.Number).ToArray();
        Assert.True(tied.Length >= 2, "the tie-break measured the latency of the tied models");
        var fastest = Assert.Single(tradedJson.RootElement.GetProperty("trials").EnumerateArray(), t => t.GetProperty("chosen").GetBoolean());
        Assert.True(fastest.GetProperty("latencyRatio").GetDouble() <= tied.Min(t => t.GetProperty("latencyRatio").GetDouble()) / (1 - 0.10) + 1e-9);
    }

    [Fact]
    public void A_mode_that_fails_is_retried_with_its_most_sensitive_node_in_float()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 256, outlier: 5);
        string report = Path.Combine(folder.Path, "r.json");

        var run = Cli.Run("optimize", model, "-o", Path.Combine(folder.Path, "out.onnx"), "--report", report, "--quantize", "Auto", "--objective", "Size", "--latency-runs", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var trials = json.RootElement.GetProperty("trials").EnumerateArray().ToDictionary(t => t.GetProperty("configuration").GetString()!);
        Assert.False(trials["Int4"].GetProperty("passed").GetBoolean());
        Assert.Equal(["matmul"], trials["Int4, 1 most sensitive node in float"].GetProperty("keptInFloat").EnumerateArray().Select(e => e.GetString()));
        // Without CalibrationData, Static is tried data-free (on generated inputs), not skipped.
        Assert.True(trials["Static"].GetProperty("note").ValueKind == JsonValueKind.Null
            || !trials["Static"].GetProperty("note").GetString()!.StartsWith("skipped", StringComparison.Ordinal));
        Assert.True(trials["Static"].GetProperty("passed").GetBoolean());
        Assert.Equal("Dynamic", json.RootElement.GetProperty("quantizedWith").GetString());
    }
}
