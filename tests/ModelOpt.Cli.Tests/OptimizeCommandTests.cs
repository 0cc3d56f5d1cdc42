using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Cli.Tests;

public sealed class OptimizeCommandTests
{
    private static string ResNet18Path => TestData.ResNet18Path;

    private static (int ExitCode, string Output, string Error) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void Optimize_quantizes_ResNet18_writes_reports_and_is_deterministic()
    {
        using var folder = new TempFolder();
        string first = Path.Combine(folder.Path, "a.onnx"), second = Path.Combine(folder.Path, "b.onnx");
        string report = Path.Combine(folder.Path, "r.json"), markdown = Path.Combine(folder.Path, "r.md");

        var run = Run("optimize", ResNet18Path, "-o", first, "--quantize", "Dynamic", "--report", report, "--markdown-report", markdown);
        Run("optimize", ResNet18Path, "-o", second, "--quantize", "Dynamic");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("ResNet18.onnx: 63.7 MB -> 16.0 MB (25%), Dynamic (22 of 22 nodes quantized)", run.Output, StringComparison.Ordinal);
        Assert.True(new FileInfo(first).Length <= 0.26 * new FileInfo(ResNet18Path).Length);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(22, json.RootElement.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("precision").GetString() == "Int8"));
        Assert.Contains("| Convolution249 | Conv | Int8 (PerChannel) |", File.ReadAllText(markdown), StringComparison.Ordinal);
        using var session = new InferenceSession(first);
        Assert.Single(session.OutputMetadata);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp*"));
    }

    [Fact]
    public void By_default_a_convolutional_model_gets_data_free_Static_and_the_same_bytes_every_time()
    {
        using var folder = new TempFolder();
        string first = Path.Combine(folder.Path, "a.onnx"), second = Path.Combine(folder.Path, "b.onnx");

        var run = Run("optimize", ResNet18Path, "-o", first, "--latency-runs", "0");
        Assert.Equal(0, Run("optimize", ResNet18Path, "-o", second, "--latency-runs", "0").ExitCode);

        // Recommended (the default) picks by the model's kind, from the graph: no timing decides, so the bytes repeat.
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"^ResNet18\.onnx: 63\.7 MB -> 16\.0 MB \(25%\), Recommended: Static \([0-9]+ of [0-9]+ nodes quantized\), worst cosine 0\.99[0-9]+, gate passed", run.Output);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void By_default_a_matrix_product_model_gets_Dynamic()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 64);

        var run = Run("optimize", model, "-o", Path.Combine(folder.Path, "out.onnx"), "--latency-runs", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Recommended: Dynamic (", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Brotli_output_decompresses_to_the_uncompressed_output()
    {
        using var folder = new TempFolder();
        string plain = Path.Combine(folder.Path, "m.onnx"), compressed = Path.Combine(folder.Path, "m.onnx.br");
        string model = TinyModels.MatMul(folder.Path, "m.onnx.src", 64);

        Assert.Equal(0, Run("optimize", model, "-o", plain).ExitCode);
        Assert.Equal(0, Run("optimize", model, "-o", compressed, "--resource-compression", "Brotli").ExitCode);

        using var brotli = new BrotliStream(File.OpenRead(compressed), CompressionMode.Decompress);
        using var decompressed = new MemoryStream();
        brotli.CopyTo(decompressed);
        Assert.Equal(File.ReadAllBytes(plain), decompressed.ToArray());
    }

    [Fact]
    public void Build_runs_every_block_and_reports_each_failure_in_canonical_form()
    {
        using var folder = new TempFolder();
        string good = TinyModels.MatMul(folder.Path, "good.onnx", 32);
        string corrupt = Path.Combine(folder.Path, "corrupt.onnx");
        File.WriteAllBytes(corrupt, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        string project = Path.Combine(folder.Path, "app.csproj");
        string staleOutput = Path.Combine(folder.Path, "corrupt.out.onnx");
        File.WriteAllText(staleOutput, "an output of an earlier, good version of the model");
        string rsp = Path.Combine(folder.Path, "args.rsp");
        File.WriteAllLines(rsp,
        [
            "build",
            "--cache", "false",
            "--model", corrupt, "--output", staleOutput, "--project", project, "--end",
            "--model", good, "--output", Path.Combine(folder.Path, "good.out.onnx"), "--project", project, "--quantize", "Bogus", "--end",
            "--model", good, "--output", Path.Combine(folder.Path, "good.ok.onnx"), "--project", project, "--quantize", "Dynamic", "--end",
        ]);

        var (exitCode, output, error) = Run("@" + rsp);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{corrupt}: error MOPT0002:", error, StringComparison.Ordinal);
        Assert.Contains($"{project}: error MOPT0011:", error, StringComparison.Ordinal);
        Assert.Contains("good.onnx:", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder.Path, "good.ok.onnx")));
        Assert.False(File.Exists(staleOutput), "a failed model's earlier output must not survive to be embedded");
    }

    [Theory]
    [InlineData("Float16", "Float16 (", 0.55)]
    [InlineData("Int4", "Int4 (1 of 1 nodes quantized)", 0.2)]
    public void Float16_and_Int4_modes_shrink_a_MatMul_model(string mode, string summary, double maxRatio)
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 256);
        string output = Path.Combine(folder.Path, "out.onnx");

        var run = Run("optimize", model, "-o", output, "--quantize", mode);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(summary, run.Output, StringComparison.Ordinal);
        Assert.True(new FileInfo(output).Length <= maxRatio * new FileInfo(model).Length, $"{new FileInfo(output).Length} of {new FileInfo(model).Length}");
    }

    [Fact]
    public void Static_mode_calibrates_on_npy_files()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 64);
        string data = Path.Combine(folder.Path, "calibration");
        Directory.CreateDirectory(data);
        var random = new Random(3);
        for (int i = 0; i < 4; i++)
        {
            var values = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            SampleFiles.NpyFloats(Path.Combine(data, $"sample{i}.npy"), [1, 64], values);
        }
        string output = Path.Combine(folder.Path, "out.onnx");

        var run = Run("optimize", model, "-o", output, "--quantize", "Static", "--calibration-data", data);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Static (1 of 1 nodes quantized)", run.Output, StringComparison.Ordinal);
        using var session = new InferenceSession(output);
        Assert.Single(session.OutputMetadata);
    }

    [Fact]
    public void Cuda_falls_back_to_the_cpu_with_warning_MOPT0013()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 16);

        var run = Run("optimize", model, "-o", Path.Combine(folder.Path, "out.onnx"), "--execution-provider", "Cuda");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning MOPT0013", run.Error, StringComparison.Ordinal);
    }
}
