using System.Diagnostics;
using System.Text.Json;

namespace ModelOpt.Cli.Tests;

/// <summary>
/// The cache through <c>modelopt optimize</c>: a second checkout gets the model from the shared
/// folder with no model work, byte-identical; the key follows the data's content, not its place;
/// corrupt entries are recomputed; concurrent and killed workers never break an entry.
/// </summary>
public sealed class CacheTests
{
    /// <summary>A checkout: the model and its calibration data, in its own folder.</summary>
    private static string Checkout(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "calibration"));
        TinyModels.MatMul(root, "m.onnx", 64);
        var random = new Random(5);
        for (int i = 0; i < 3; i++)
        {
            SampleFiles.NpyFloats(Path.Combine(root, "calibration", $"s{i}.npy"), [1, 64], Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble()).ToArray());
        }
        return root;
    }

    private static (int ExitCode, string Output, string Error) Optimize(string checkout, params string[] more)
        => Cli.Run(["optimize", Path.Combine(checkout, "m.onnx"), "-o", Path.Combine(checkout, "out", "m.onnx"),
            "--quantize", "Static", "--calibration-data", Path.Combine(checkout, "calibration"), "--latency-runs", "0",
            "--report", Path.Combine(checkout, "out", "m.report.json"), "--markdown-report", Path.Combine(checkout, "out", "m.report.md"),
            "--html-report", Path.Combine(checkout, "out", "m.report.html"), .. more]);

    [Fact]
    public void A_second_checkout_gets_the_model_from_the_shared_folder_byte_identical_with_no_model_work()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), b = Checkout(folder.File("b")), shared = folder.File("shared");

        var first = Optimize(a, "--cache-dir", shared, "--local-cache-dir", folder.File("local-a"));
        var second = Optimize(b, "--cache-dir", shared, "--local-cache-dir", folder.File("local-b"));

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Matches(@", computed in [0-9.]+ s\n", first.Output);
        Assert.Contains("progress: m.onnx: calibration", first.Error, StringComparison.Ordinal);
        Assert.Matches(@"Static \(1 of 1 nodes quantized\), worst cosine [0-9.]+, gate passed, ran on CPU, from the shared cache in [0-9.]+ s\n  cache: shared hit, key [0-9a-f]{12}, no model work", second.Output);
        Assert.DoesNotContain("progress:", second.Error, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "out", "m.onnx")), File.ReadAllBytes(Path.Combine(b, "out", "m.onnx")));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(b, "out", "m.report.json")));
        Assert.Equal(Path.Combine(b, "m.onnx"), report.RootElement.GetProperty("model").GetString());
        Assert.Equal("Shared", report.RootElement.GetProperty("source").GetProperty("origin").GetString());
        // The hit's reports are the computed ones, for this checkout's paths.
        foreach (string name in new[] { "m.report.json", "m.report.md", "m.report.html" })
        {
            Assert.Equal(
                ComparableReport.Normalize(File.ReadAllText(Path.Combine(a, "out", name)), a),
                ComparableReport.Normalize(File.ReadAllText(Path.Combine(b, "out", name)), b));
        }
        // The hit filled b's local folder: the shared one is no longer needed.
        Directory.Delete(shared, recursive: true);
        var third = Optimize(b, "--cache-dir", shared, "--local-cache-dir", folder.File("local-b"));
        Assert.Contains("from the local cache in", third.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_clean_computations_in_different_folders_give_identical_models_and_reports()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), b = Checkout(folder.File("b"));

        Assert.Equal(0, Optimize(a, "--no-cache").ExitCode);
        var run = Optimize(b, "--no-cache");

        Assert.Contains(", computed in", run.Output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "out", "m.onnx")), File.ReadAllBytes(Path.Combine(b, "out", "m.onnx")));
        foreach (string name in new[] { "m.report.json", "m.report.md", "m.report.html" })
        {
            Assert.Equal(
                ComparableReport.Normalize(File.ReadAllText(Path.Combine(a, "out", name)), a),
                ComparableReport.Normalize(File.ReadAllText(Path.Combine(b, "out", name)), b));
        }
        Assert.False(Directory.Exists(Path.Combine(a, "cache")));
    }

    [Fact]
    public void The_key_follows_the_data_content_and_the_options_that_change_the_model()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), shared = folder.File("shared");
        string[] cache = ["--cache-dir", shared, "--local-cache-dir", folder.File("local")];
        Assert.Equal(0, Optimize(a, cache).ExitCode);

        // The gate's severity judges the model, it does not make it: still a hit.
        Assert.Contains("from the local cache", Optimize(a, [.. cache, "--accuracy-gate", "Warning"]).Output, StringComparison.Ordinal);
        // Another calibration sample is other data; another option is another model.
        SampleFiles.NpyFloats(Path.Combine(a, "calibration", "s3.npy"), [1, 64], Enumerable.Repeat(0.25f, 64).ToArray());
        Assert.Contains(", computed in", Optimize(a, cache).Output, StringComparison.Ordinal);
        Assert.Contains(", computed in", Optimize(a, [.. cache, "--per-channel", "false"]).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void No_cache_computes_and_stores_nothing()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a"));

        var run = Optimize(a, "--no-cache", "--cache-dir", folder.File("shared"), "--local-cache-dir", folder.File("local"));

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.False(Directory.Exists(folder.File("shared")));
        Assert.False(Directory.Exists(folder.File("local")));
    }

    [Fact]
    public void A_corrupt_model_in_the_cache_is_a_warning_and_is_computed_again_identically()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), shared = folder.File("shared");
        Assert.Equal(0, Optimize(a, "--cache-dir", shared, "--cache-size", "0").ExitCode);
        byte[] expected = File.ReadAllBytes(Path.Combine(a, "out", "m.onnx"));
        string blob = Directory.GetFiles(Path.Combine(shared, "cas"), "*", SearchOption.AllDirectories).Single(f => new FileInfo(f).Length == expected.Length);
        File.WriteAllBytes(blob, [.. expected[..^1], (byte)(expected[^1] ^ 0x55)]);

        var run = Optimize(a, "--cache-dir", shared, "--cache-size", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("warning MOPT0400: the shared cache", run.Error, StringComparison.Ordinal);
        Assert.Contains(", computed in", run.Output, StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(a, "out", "m.onnx")));
        Assert.Equal(expected, File.ReadAllBytes(blob));
    }

    [Fact]
    public async Task Four_workers_at_once_on_one_model_and_one_cache_give_identical_outputs_and_sound_entries()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 256), shared = folder.File("shared");

        var runs = Enumerable.Range(0, 4).Select(i => Task.Run(() => WorkerProcess.Run("optimize", model, "-o", folder.File($"out{i}.onnx"), "--latency-runs", "0",
            "--cache-dir", shared, "--local-cache-dir", folder.File($"local{i}")))).ToArray();
        var results = await Task.WhenAll(runs);

        foreach (var run in results) Assert.True(run.ExitCode == 0, run.Error);
        Assert.All(results, r => Assert.DoesNotContain("warning MOPT04", r.Error, StringComparison.Ordinal));
        byte[] expected = File.ReadAllBytes(folder.File("out0.onnx"));
        for (int i = 1; i < 4; i++) Assert.Equal(expected, File.ReadAllBytes(folder.File($"out{i}.onnx")));
        AssertEntriesSound(shared);
        // And a fifth worker gets it from the shared folder.
        var fifth = WorkerProcess.Run("optimize", model, "-o", folder.File("out4.onnx"), "--latency-runs", "0", "--cache-dir", shared, "--local-cache-dir", folder.File("local4"));
        Assert.Contains("from the shared cache", fifth.Output, StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllBytes(folder.File("out4.onnx")));
    }

    /// <summary>
    /// The worker is killed the moment its first write into the cache folder appears (the
    /// model's temporary file, 64 MB to write); whatever it left, the next run never takes a
    /// broken entry, gets the right model, and leaves every entry sound.
    /// </summary>
    [Fact]
    public void A_worker_killed_while_writing_the_cache_leaves_nothing_a_later_run_uses()
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 4096), shared = folder.File("shared");
        string[] args = ["optimize", model, "-o", folder.File("out.onnx"), "--quantize", "None", "--latency-runs", "0", "--cache-dir", shared, "--cache-size", "0"];
        var clean = WorkerProcess.Run(["optimize", model, "-o", folder.File("clean.onnx"), "--quantize", "None", "--latency-runs", "0", "--no-cache"]);
        Assert.True(clean.ExitCode == 0, clean.Error);
        // Watch the folder the model's blob goes to (made beforehand: a watch on a folder made
        // during the run could miss the file created in it right after).
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(folder.File("clean.onnx"))));
        string blobFolder = Path.Combine(shared, "cas", digest[..2]);
        Directory.CreateDirectory(blobFolder);
        var events = new System.Collections.Concurrent.ConcurrentBag<string>();
        using (var watcher = new FileSystemWatcher(blobFolder))
        using (var worker = WorkerProcess.Start(args))
        {
            watcher.Created += (_, e) =>
            {
                events.Add(e.FullPath);
                if (!e.Name!.Contains(".tmp", StringComparison.Ordinal)) return;
                try
                {
                    worker.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            };
            watcher.EnableRaisingEvents = true;
            Assert.True(worker.WaitForExit(TimeSpan.FromMinutes(2)));
        }
        // Where the kill landed depends on the machine (mid-blob on an idle one, later under
        // load); ModelCacheTests interrupts each write deterministically. Whatever was left:
        Assert.NotEmpty(events);

        var next = WorkerProcess.Run(args);

        Assert.True(next.ExitCode == 0, next.Error);
        // Computed again, or (killed after its manifest was in place) a complete entry.
        Assert.Matches(", (computed|from the shared cache) in", next.Output);
        Assert.DoesNotContain("warning MOPT0400", next.Error, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(folder.File("clean.onnx")), File.ReadAllBytes(folder.File("out.onnx")));
        AssertEntriesSound(shared);
    }

    [Fact]
    public void Against_a_real_HTTP_cache_Read_mode_never_uploads_and_a_signing_key_ignores_unsigned_entries()
    {
        using var server = new NginxCacheServer();
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), b = Checkout(folder.File("b")), c = Checkout(folder.File("c"));
        string remote = server.BaseUri.AbsoluteUri;

        // Read mode: computes, and never uploads.
        var reader = Optimize(a, "--remote-cache", remote, "--remote-cache-mode", "Read", "--cache-size", "0");
        Assert.True(reader.ExitCode == 0, reader.Error);
        Assert.DoesNotContain(server.Requests(atLeast: 1), r => r.StartsWith("PUT", StringComparison.Ordinal));

        // Written without a key...
        Assert.Equal(0, Optimize(a, "--remote-cache", remote, "--cache-size", "0").ExitCode);
        // nginx logs each request after answering it: wait for the manifest's PUT, which comes last.
        Assert.Contains(server.Requests(r => r.StartsWith("PUT /ac/", StringComparison.Ordinal)), r => r.StartsWith("PUT /ac/", StringComparison.Ordinal));
        // ...ignored by a build that trusts only signed entries: it warns and computes, then signs its own.
        string variable = "MODELOPT_TEST_SIGNING_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "team signing key");
        var signed = Optimize(b, "--remote-cache", remote, "--cache-signing-key-variable", variable, "--cache-size", "0");
        Assert.True(signed.ExitCode == 0, signed.Error);
        Assert.Contains("warning MOPT0402:", signed.Error, StringComparison.Ordinal);
        Assert.Contains("is not signed", signed.Error, StringComparison.Ordinal);
        Assert.Contains(", computed in", signed.Output, StringComparison.Ordinal);
        var trusted = Optimize(c, "--remote-cache", remote, "--cache-signing-key-variable", variable, "--cache-size", "0");
        Assert.Contains("from the remote cache", trusted.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MOPT0402", trusted.Error, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "out", "m.onnx")), File.ReadAllBytes(Path.Combine(c, "out", "m.onnx")));
    }

    [Fact]
    public void A_hit_prints_the_warnings_the_computing_job_printed_with_its_own_paths()
    {
        using var folder = new TempFolder();
        string a = Checkout(folder.File("a")), b = Checkout(folder.File("b")), shared = folder.File("shared");
        Assert.Equal(0, Optimize(a, "--cache-dir", shared, "--cache-size", "0").ExitCode);
        // The job warned (as a model slower than its original does): the entry keeps the line with placeholders.
        string manifest = Directory.GetFiles(Path.Combine(shared, "ac")).Single();
        string text = File.ReadAllText(manifest).Replace("\"warnings\": []", "\"warnings\": [\"{model}: warning MOPT0184: {model}: slower than the original; report {output}\"]", StringComparison.Ordinal);
        File.WriteAllText(manifest, text);

        var hit = Optimize(b, "--cache-dir", shared, "--cache-size", "0");

        Assert.Contains("from the shared cache", hit.Output, StringComparison.Ordinal);
        string model = Path.Combine(b, "m.onnx");
        Assert.Contains($"{model}: warning MOPT0184: {model}: slower than the original; report {Path.Combine(b, "out", "m.onnx")}", hit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_cache_option_with_its_project_property()
    {
        var (exitCode, output, _) = Cli.Run("optimize", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--no-cache", output, StringComparison.Ordinal);
        foreach (var setting in ModelOpt.Cache.Settings.CacheSettings.All)
        {
            Assert.Contains($"--{setting.Option} {setting.Values}", output, StringComparison.Ordinal);
            Assert.Contains($"({setting.Property})", output, StringComparison.Ordinal);
        }
    }

    /// <summary>Every kind of report (Auto's trials, pruning, measured latency) reads back from the cache, so every kind of job can hit.</summary>
    [Theory]
    [InlineData("--quantize", "Auto", "--auto-time-budget", "60")]
    [InlineData("--prune", "Magnitude", "--sparsity", "0.5", "--min-cosine-similarity", "0")]
    [InlineData("--quantize", "Dynamic", "--latency-runs", "3")]
    public void Reports_of_every_kind_come_back_from_the_cache(params string[] options)
    {
        using var folder = new TempFolder();
        string model = TinyModels.MatMul(folder.Path, "m.onnx", 64);
        string[] run = ["optimize", model, "-o", folder.File("out.onnx"), "--report", folder.File("r.json"), "--local-cache-dir", folder.File("local"), .. options];

        var first = Cli.Run(run);
        Assert.True(first.ExitCode == 0, first.Error);
        string computed = File.ReadAllText(folder.File("r.json"));
        var second = Cli.Run(run);

        Assert.Contains("from the local cache", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MOPT0400", second.Error, StringComparison.Ordinal);
        Assert.Equal(ComparableReport.Normalize(computed), ComparableReport.Normalize(File.ReadAllText(folder.File("r.json"))));
    }

    /// <summary>Every manifest in <paramref name="cacheFolder"/> names outputs that exist and match their digests.</summary>
    private static void AssertEntriesSound(string cacheFolder)
    {
        var manifests = Directory.GetFiles(Path.Combine(cacheFolder, "ac")).Where(f => !f.Contains(".tmp", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(manifests);
        foreach (string manifest in manifests)
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(manifest));
            foreach (var output in json.RootElement.GetProperty("outputs").EnumerateArray())
            {
                string digest = output.GetProperty("digest").GetString()!;
                byte[] bytes = File.ReadAllBytes(Path.Combine(cacheFolder, "cas", digest[..2], digest));
                Assert.Equal(digest, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
            }
        }
    }
}
