namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The accuracy gate in a real build: a model its optimization breaks fails the build (with the
/// accuracy fallback off); relaxed, it builds; with the fallback on (the default), the node that
/// breaks it is kept in float and it builds at the default threshold.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AccuracyGateBuildTests(PackageFixture package)
{
    [Fact]
    public void ABrokenModelFailsTheBuildWithTheGatesCodeAndPassesOnceRelaxed()
    {
        var lib = package.CreateConsumer("gate");
        lib.WriteBytes("Models/outlier.onnx", TestModels.Dense(seed: 5, outlier: 2));
        lib.WriteModel("Models/good.onnx", seed: 6);
        string Items(string threshold) => $"""
            <ItemGroup>
              <OptimizeModel Include="Models/good.onnx" />
              <OptimizeModel Include="Models/outlier.onnx" Quantize="Int4" {threshold} />
            </ItemGroup>
            """;

        lib.WriteProject(Items("AccuracyFallback=\"false\""));
        var failed = lib.Build().AssertFailed();

        var error = Assert.Single(failed.Result.Errors);
        Assert.Equal("MOPT0180", error.Code);
        Assert.Equal(lib.PathOf("Models/outlier.onnx"), error.File);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(error.Text, @"cosine similarity -?[0-9.]+ is below the required MinCosineSimilarity=0\.99"), error.Text);
        Assert.DoesNotContain(lib.OptimizedOutputs().Keys, k => k.StartsWith("outlier.", StringComparison.Ordinal));

        // The gate judges the worst sample, whose cosine (about 0.27) is below the old whole-set one.
        lib.WriteProject(Items("AccuracyFallback=\"false\" MinCosineSimilarity=\"0.2\""));
        var passed = lib.Build().AssertSucceeded();

        Assert.Equal(2, lib.Resources().Count);
        Assert.Matches(@"outlier\.onnx: .*Int4 \([12] of 2 nodes quantized\), worst cosine 0\.[0-9]+, gate passed, latency x[0-9.]+, ran on CPU, computed in [0-9.]+ s; report: .*outlier\.[0-9a-f]+\.report\.html", passed.Result.Output);
        // The project report lists both models and is not rewritten by a build that changes nothing.
        string projectReport = Path.Combine(lib.ModelOptDirectory(), "ModelOpt.project.html");
        string html = File.ReadAllText(projectReport);
        Assert.Contains("good.onnx", html, StringComparison.Ordinal);
        Assert.Contains("outlier.onnx", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"before-after\"", html, StringComparison.Ordinal);
        var written = File.GetLastWriteTimeUtc(projectReport);
        lib.Build().AssertSucceeded();
        Assert.Equal(written, File.GetLastWriteTimeUtc(projectReport));

        // The default: the gate's fallback keeps the broken node in float and the model passes at 0.99.
        lib.WriteProject(Items(""));
        var rescued = lib.Build().AssertSucceeded();
        Assert.Matches(@"outlier\.onnx: .*Int4 \([01] of 2 nodes quantized, 1 kept in float to pass the gate\), worst cosine (0\.99[0-9]+|1\.0000), gate passed", rescued.Result.Output);
    }
}
