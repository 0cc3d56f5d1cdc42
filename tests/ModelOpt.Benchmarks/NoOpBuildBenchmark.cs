using System.Diagnostics;
using System.Globalization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// The cost of ModelOpt.Build in a build where nothing changed: a consumer with two models,
/// with the package, against the same project without it (the raw models embedded as plain
/// EmbeddedResource items). Both sides run <c>dotnet build --no-restore -nodeReuse:false</c>,
/// interleaved, and the medians are compared. The package is packed from this repository.
/// </summary>
internal static class NoOpBuildBenchmark
{
    public static IEnumerable<BenchmarkResult> Run(string repositoryRoot, string scratch, int runs, int warmUpRuns, TextWriter log)
    {
        string version = "0.1.0-bench." + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        string feed = Path.Combine(scratch, "feed");
        log.WriteLine($"  packing ModelOpt.Build {version} ...");
        Dotnet(repositoryRoot, "pack", Path.Combine(repositoryRoot, "src", "ModelOpt.Build.Tasks"), "-c", "Release",
            $"-p:Version={version}", "-o", feed, $"-p:ArtifactsPath={Path.Combine(scratch, "artifacts")}", "-nologo", "-v:q");

        string with = CreateConsumer(Path.Combine(scratch, "with-modelopt"), feed, version);
        string without = CreateConsumer(Path.Combine(scratch, "without-modelopt"), feed, null);
        foreach (string project in new[] { with, without })
        {
            Dotnet(project, "build", "-nodeReuse:false", "-nologo", "-v:q");
        }
        var outputs = Directory.GetFiles(Path.Combine(with, "obj"), "*.onnx", SearchOption.AllDirectories);
        if (outputs.Length != 2) throw new InvalidOperationException($"expected 2 optimized models under {with}/obj, found {outputs.Length}.");
        var stamps = outputs.ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var withTimes = new List<double>();
        var withoutTimes = new List<double>();
        for (int i = 0; i < warmUpRuns + runs; i++)
        {
            double a = NoOpBuild(with);
            double b = NoOpBuild(without);
            if (i < warmUpRuns) continue;
            withTimes.Add(a);
            withoutTimes.Add(b);
        }
        log.WriteLine("  with ModelOpt.Build ms:    " + string.Join(" ", withTimes.Select(t => t.ToString("0", CultureInfo.InvariantCulture))));
        log.WriteLine("  without ModelOpt.Build ms: " + string.Join(" ", withoutTimes.Select(t => t.ToString("0", CultureInfo.InvariantCulture))));

        bool untouched = stamps.All(p => File.GetLastWriteTimeUtc(p.Key) == p.Value);
        double withMedian = Statistics.Median(withTimes), withoutMedian = Statistics.Median(withoutTimes);
        return
        [
            BenchmarkResult.AtMost($"no-op build, 2 models (median of {runs})",
                withMedian.ToString("0", CultureInfo.InvariantCulture) + " ms",
                withoutMedian.ToString("0", CultureInfo.InvariantCulture) + " ms (same project without the package)",
                withMedian / withoutMedian, 1.05),
            BenchmarkResult.Check("no-op builds left the optimized models untouched", untouched ? "yes" : "no", "yes", untouched),
        ];
    }

    private static string CreateConsumer(string folder, string feed, string? modelOptVersion)
    {
        Directory.CreateDirectory(Path.Combine(folder, "Models"));
        WriteMatMulModel(Path.Combine(folder, "Models", "first.onnx"), 256, seed: 1);
        WriteMatMulModel(Path.Combine(folder, "Models", "second.onnx"), 384, seed: 2);
        string reference = modelOptVersion is null ? "" : $"""<PackageReference Include="ModelOpt.Build" Version="{modelOptVersion}" />""";
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                {reference}
                <None Remove="Models/*.onnx" />
                <EmbeddedResource Include="Models/*.onnx" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), "System.Console.WriteLine(typeof(Program).Assembly.GetManifestResourceNames().Length);\n");
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="bench" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    // y = x @ W with a deterministic W: small, but a real MatMul for the quantizer.
    private static void WriteMatMulModel(string path, int size, int seed)
    {
        var random = new Random(seed);
        var weights = new float[size * size];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5);
        var graph = new Graph("bench");
        var x = new Value("x", new ModelOpt.Onnx.Protos.TypeProto
        {
            TensorType = new ModelOpt.Onnx.Protos.TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = new ModelOpt.Onnx.Protos.TensorShapeProto() },
        });
        x.Type!.TensorType.Shape.Dim.Add(new ModelOpt.Onnx.Protos.TensorShapeProto.Types.Dimension { DimValue = 1 });
        x.Type.TensorType.Shape.Dim.Add(new ModelOpt.Onnx.Protos.TensorShapeProto.Types.Dimension { DimValue = size });
        graph.Inputs.Add(x);
        var w = graph.AddInitializer("W", Tensor.FromFloats("W", [size, size], weights));
        var matMul = new Node("MatMul", [x, w], ["y"], name: "matmul");
        graph.AddNode(matMul);
        graph.Outputs.Add(matMul.Outputs[0]!);
        using var model = new OnnxModel(graph, opsetVersion: 13);
        OnnxModelWriter.Save(model, path);
    }

    private static double NoOpBuild(string project)
    {
        var stopwatch = Stopwatch.StartNew();
        Dotnet(project, "build", "--no-restore", "-nodeReuse:false", "-nologo", "-v:q");
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static void Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(" ", arguments)} failed in {workingDirectory}:\n{stdout.Result}{stderr.Result}");
        }
    }
}
