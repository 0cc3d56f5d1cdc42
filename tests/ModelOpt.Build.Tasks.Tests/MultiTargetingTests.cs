namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// A library that targets net8.0 and net10.0 builds both frameworks in parallel under <c>-m</c>:
/// two inner builds, two workers at once. Every output must stay under its own framework's
/// intermediate folder, or the builds race for files.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class MultiTargetingTests(PackageFixture package)
{
    private static readonly string[] Frameworks = ["net8.0", "net10.0"];

    [Fact]
    public void ParallelBuildsOfBothFrameworksNeverRace()
    {
        var lib = package.CreateConsumer("multitarget");
        byte[] a = lib.WriteModel("Models/a.onnx", seed: 21);
        lib.WriteModel("Models/Nested/b.onnx", seed: 22);
        lib.WriteProject("""
            <ItemGroup>
              <OptimizeModel Include="Models/**/*.onnx" />
            </ItemGroup>
            """, targetFrameworks: string.Join(';', Frameworks));

        // Ten parallel builds: the first and the last from a clean state, the ones between
        // incremental, the middle one after a touched model so that both workers run at once again.
        for (int round = 1; round <= 10; round++)
        {
            if (round == 10) lib.Clean().AssertSucceeded();
            else if (round == 5) lib.Touch("Models/a.onnx");

            var run = lib.Build("-m");
            Assert.True(run.Succeeded, $"round {round}: " + run.Result.Describe());
            int expectedWorkerRuns = round is 1 or 5 or 10 ? Frameworks.Length : 0;
            Assert.True(expectedWorkerRuns == run.Log.WorkerRuns, $"round {round}: {run.Log.WorkerRuns} worker runs, expected {expectedWorkerRuns}");
            foreach (string framework in Frameworks)
            {
                var resources = lib.Resources(framework);
                Assert.Equal(["Consumer.Models.Nested.b.onnx", "Consumer.Models.a.onnx"], resources.Keys.Order(StringComparer.Ordinal));
                Assert.Equal(2, lib.OptimizedOutputs(framework).Count);
            }
        }

        OrtModel.AssertAgrees(a, lib.Resources("net8.0")["Consumer.Models.a.onnx"]);
        // Same package version, same options, same input: the same bytes for both frameworks.
        Assert.Equal(lib.Resources("net8.0")["Consumer.Models.a.onnx"], lib.Resources("net10.0")["Consumer.Models.a.onnx"]);
    }
}
