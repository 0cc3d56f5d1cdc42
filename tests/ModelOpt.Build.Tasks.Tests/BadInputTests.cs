namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Broken inputs fail the build with their own stable code, in the canonical format, pointing
/// at the file to fix; a model that fails after a good build leaves no old output that could be
/// embedded in its place.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadInputTests(PackageFixture package)
{
    [Fact]
    public void EachProblemFailsTheBuildWithItsCodeAndLeavesNothingStale()
    {
        var lib = package.CreateConsumer("bad-input");
        lib.WriteModel("Models/good.onnx", seed: 61);
        byte[] corruptible = lib.WriteModel("Models/corrupt.onnx", seed: 62);
        lib.WriteModel("Models/bogus.onnx", seed: 63);
        lib.WriteModel("Models/distill.onnx", seed: 64);
        static string Items(bool broken) => $"""
            <ItemGroup>
              <OptimizeModel Include="Models/good.onnx" />
              <OptimizeModel Include="Models/corrupt.onnx" />
              <OptimizeModel Include="Models/bogus.onnx" {(broken ? "Quantize=\"Bogus\"" : "")} />
              <OptimizeModel Include="Models/distill.onnx" {(broken ? "Distill=\"true\"" : "")} />
              {(broken ? "<OptimizeModel Include=\"Models/missing.onnx\" />" : "")}
            </ItemGroup>
            """;
        lib.WriteProject(Items(broken: false));
        lib.Build().AssertSucceeded();
        Assert.Equal(4, lib.OptimizedOutputs().Count);

        lib.WriteProject(Items(broken: true));
        lib.WriteBytes("Models/corrupt.onnx", TestModels.Corrupt());
        var failed = lib.Build().AssertFailed();

        // Every problem is reported in the one build (the worker tries every model), each with its code.
        var errors = failed.Result.Errors;
        AssertError(errors, "MOPT0001", [lib.ProjectFile, lib.PathOf("Models/missing.onnx")], "missing.onnx");
        AssertError(errors, "MOPT0002", [lib.PathOf("Models/corrupt.onnx")], "");
        AssertError(errors, "MOPT0011", [lib.ProjectFile], "Bogus");
        // Distill without the ModelOpt.Build.Distillation package names the package to add.
        AssertError(errors, "MOPT0340", [lib.ProjectFile], "ModelOpt.Build.Distillation");
        Assert.All(errors, e => Assert.StartsWith("MOPT", e.Code, StringComparison.Ordinal));

        // Only the good model's output is left: the failed ones' earlier outputs are gone.
        Assert.Equal(["good"], lib.OptimizedOutputs().Keys.Select(k => k[..k.IndexOf('.', StringComparison.Ordinal)]));

        // Fixed again, the project builds again.
        lib.WriteProject(Items(broken: false));
        lib.WriteBytes("Models/corrupt.onnx", corruptible);
        var fixedRun = lib.Build().AssertSucceeded();
        Assert.Equal(["Models/bogus.onnx", "Models/corrupt.onnx", "Models/distill.onnx"], fixedRun.Log.WorkerModels.Order(StringComparer.Ordinal));
        Assert.Equal(4, lib.Resources().Count);
    }

    private static void AssertError(IReadOnlyList<BuildDiagnostic> errors, string code, string[] files, string mentions)
    {
        var error = Assert.Single(errors, e => e.Code == code);
        Assert.Contains(error.File, files);
        Assert.Contains(mentions, error.Text, StringComparison.Ordinal);
    }
}
