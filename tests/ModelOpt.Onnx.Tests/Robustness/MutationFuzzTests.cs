using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// Mutation fuzzing of the reader and writer over real and hand-built models: whatever the
/// bytes, loading (and saving what loaded) ends in success or a <see cref="ModelOptException"/>,
/// never another exception, a hang or a crash; and what was saved loads again.
/// docs/fuzzing.md says how to run it longer.
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 10_000;
    private const int DefaultSeed = 20_240_611;
    private const int MaxReportedFailures = 10;
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    // What the writer produced from a model the reader accepted must load again.
    private const string ReloadFailed = "loaded and saved, but the saved model does not load";

    // Small models with initializers, Constant nodes, subgraphs (If, Loop, Scan), sequences.
    private static readonly string[] BackendSeeds =
    [
        "node/test_if", "node/test_loop11", "node/test_scan9_sum", "node/test_conv_with_strides_padding",
        "node/test_constant", "node/test_sequence_map_identity_1_sequence",
        "simple/test_expand_shape_model1", "pytorch-converted/test_Conv2d",
    ];

    [Fact]
    public void MutatedModelsLoadOrFailWithADiagnostic()
    {
        int iterations = EnvironmentNumber("MODELOPT_FUZZ_ITERATIONS", DefaultIterations);
        int seed = EnvironmentNumber("MODELOPT_FUZZ_SEED", DefaultSeed);
        using var folder = new TempFolder();
        var seeds = PrepareSeeds(folder);
        string target = folder.File("fuzz.onnx");
        string outFolder = folder.File("out");
        Directory.CreateDirectory(outFolder);

        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        int current = -1;
        byte[] currentBytes = [];
        var stopwatch = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            for (int i = 0; i < iterations && failures.Count < MaxReportedFailures; i++)
            {
                var random = new Random(unchecked(seed * 1_000_003 + i));
                var seedModel = seeds[random.Next(seeds.Count)];
                byte[] mutated = ModelMutator.Mutate(seedModel, random);
                Volatile.Write(ref currentBytes, mutated);
                Volatile.Write(ref current, i);
                File.WriteAllBytes(target, mutated);
                try
                {
                    string outcome = RunOne(target, outFolder);
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                    if (outcome.StartsWith(ReloadFailed, StringComparison.Ordinal))
                    {
                        string saved = SaveForReproduction(folder, seed, i, mutated);
                        failures.Add($"seed {seed}, iteration {i} (mutated {seedModel.Name}), saved as {saved}: {outcome}");
                    }
                }
                catch (Exception e)
                {
                    // Any exception but ModelOptException is what this test exists to find.
                    string saved = SaveForReproduction(folder, seed, i, mutated);
                    failures.Add($"seed {seed}, iteration {i} (mutated {seedModel.Name}), saved as {saved}:\n{e}");
                }
            }
            Volatile.Write(ref current, iterations);
        })
        { IsBackground = true, Name = "mutation fuzzer" };
        worker.Start();

        int lastSeen = -2;
        var lastProgress = Stopwatch.StartNew();
        while (!worker.Join(TimeSpan.FromSeconds(1)))
        {
            int now = Volatile.Read(ref current);
            if (now != lastSeen)
            {
                lastSeen = now;
                lastProgress.Restart();
            }
            else if (lastProgress.Elapsed > HangLimit)
            {
                string saved = SaveForReproduction(folder, seed, now, Volatile.Read(ref currentBytes));
                Assert.Fail($"seed {seed}, iteration {now} has not finished in {HangLimit.TotalSeconds} s (a hang); input saved as {saved}.");
            }
        }

        output.WriteLine($"{iterations} iterations, seed {seed}, {seeds.Count} seed models, {stopwatch.Elapsed.TotalSeconds:F1} s");
        foreach (var (outcome, count) in outcomes) output.WriteLine($"  {outcome}: {count}");
        Assert.True(failures.Count == 0, $"{failures.Count} inputs broke the contract (an exception other than ModelOptException, or a saved model that does not load):\n\n{string.Join("\n\n", failures)}");

        // The mutations must exercise both sides, or the test proves nothing.
        int loaded = outcomes.Where(o => o.Key.StartsWith("loaded", StringComparison.Ordinal)).Sum(o => o.Value);
        Assert.InRange(loaded, iterations / 50, iterations - iterations / 50);
    }

    /// <summary>Loads, and when that works saves inline and external and loads both results again.</summary>
    private static string RunOne(string path, string outFolder)
    {
        OnnxModel model;
        try
        {
            model = OnnxModelReader.Load(path);
        }
        catch (ModelOptException e)
        {
            return "rejected " + e.Code;
        }
        string inline = Path.Combine(outFolder, "inline.onnx");
        string external = Path.Combine(outFolder, "external.onnx");
        try
        {
            using (model)
            {
                OnnxModelWriter.Save(model, inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
                OnnxModelWriter.Save(model, external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
            }
        }
        catch (ModelOptException e)
        {
            return "loaded, save failed " + e.Code;
        }
        try
        {
            OnnxModelReader.Load(inline).Dispose();
            OnnxModelReader.Load(external).Dispose();
        }
        catch (ModelOptException e)
        {
            return $"{ReloadFailed}: {e.ToCanonicalString()}";
        }
        return "loaded, saved, reloaded";
    }

    private List<ModelMutator.ParsedSeed> PrepareSeeds(TempFolder folder)
    {
        var seeds = new List<ModelMutator.ParsedSeed>();
        foreach (string relative in BackendSeeds)
        {
            string path = Path.Combine(TestData.OnnxBackendSuite, relative, "model.onnx");
            if (!File.Exists(path))
            {
                output.WriteLine($"seed {relative} is not installed; skipped");
                continue;
            }
            seeds.Add(Seed(relative, File.ReadAllBytes(path)));
        }

        // External data: the seed's data file stays beside the mutated model, so its references resolve.
        string externalSeed = folder.File("seed-external.onnx");
        using (var dense = SampleModels.Dense())
        {
            OnnxModelWriter.Save(dense, externalSeed, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        }
        seeds.Add(Seed("external data", File.ReadAllBytes(externalSeed)));
        seeds.Add(Seed("if/loop", SubgraphTests.IfLoopModel().ToByteArray()));
        seeds.Add(Seed("functions", ModelPropertiesTests.FunctionModel().ToByteArray()));
        seeds.Add(Seed("sparse", SparseTensorTests.SparseModelProto().ToByteArray()));
        seeds.Add(Seed("element types", ElementTypeModel().ToByteArray()));
        Assert.True(seeds.Count >= 8, "too few seed models");
        return seeds;
    }

    private static ModelMutator.ParsedSeed Seed(string name, byte[] bytes) => new(name, bytes);

    /// <summary>Initializers of the unusual types, in raw and typed forms, for mutations to land on.</summary>
    private static ModelProto ElementTypeModel()
    {
        var graph = new GraphProto { Name = "element_types" };
        graph.Initializer.Add(ProtoModels.RawTensor("int4_raw", ElementType.Int4, [3], [0x21, 0x03]));
        var int4Typed = new TensorProto { Name = "int4_typed", DataType = (int)ElementType.Int4 };
        int4Typed.Dims.Add(3);
        int4Typed.Int32Data.Add([0x2F, 0x08]);
        graph.Initializer.Add(int4Typed);
        var half = new TensorProto { Name = "half", DataType = (int)ElementType.Float16 };
        half.Dims.Add([1, 2]);
        half.Int32Data.Add([0x3C00, 0xC000]);
        graph.Initializer.Add(half);
        var unsigned = new TensorProto { Name = "u32", DataType = (int)ElementType.UInt32 };
        unsigned.Dims.Add(1);
        unsigned.Uint64Data.Add(uint.MaxValue);
        graph.Initializer.Add(unsigned);
        var complex = new TensorProto { Name = "c128", DataType = (int)ElementType.Complex128 };
        complex.Dims.Add(1);
        complex.DoubleData.Add([1.5, -2]);
        graph.Initializer.Add(complex);
        var text = new TensorProto { Name = "text", DataType = (int)ElementType.String };
        text.Dims.Add(1);
        text.StringData.Add(ByteString.CopyFromUtf8("abc"));
        graph.Initializer.Add(text);
        graph.Node.Add(ProtoModels.Node("Identity", ["half"], ["Y"], name: "identity"));
        graph.Output.Add(ProtoModels.ValueInfo("Y", ElementType.Float16, 1, 2));
        return ProtoModels.Model(graph, opset: 21);
    }

    private static string SaveForReproduction(TempFolder folder, int seed, int iteration, byte[] bytes)
    {
        string failures = Path.Combine(Path.GetTempPath(), "modelopt-fuzz-failures");
        Directory.CreateDirectory(failures);
        // A mutated external-data model still points at the seed's data file: keep it beside the repro.
        File.Copy(folder.File("seed-external.onnx.data"), Path.Combine(failures, "seed-external.onnx.data"), overwrite: true);
        string path = Path.Combine(failures, $"seed{seed}-iteration{iteration}.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static int EnvironmentNumber(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
