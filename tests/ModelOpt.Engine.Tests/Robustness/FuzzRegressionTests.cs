using ModelOpt.Fuzzing;
using ModelOpt.TestUtilities;

namespace ModelOpt.Engine.Tests.Robustness;

/// <summary>
/// Replays the inputs kept from coverage-guided fuzzing (build/fuzz.sh, docs/fuzzing.md) through
/// the same targets the fuzzer ran: <c>tests/data/fuzz-regressions/&lt;target&gt;/</c> holds every
/// crashing input ever found (once fixed) and corpus inputs that reached deep into the code. Each
/// must load or fail with a diagnostic, never with another exception.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(TestData.RepositoryRoot, "tests", "data", "fuzz-regressions");
        foreach (var target in Enum.GetValues<FuzzTarget>())
        {
            string folder = Path.Combine(root, target.ToString().ToLowerInvariant());
            if (!Directory.Exists(folder)) continue;
            foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal)) data.Add(target.ToString(), Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_kept_fuzzing_input_loads_or_fails_with_a_diagnostic(string target, string file)
    {
        var fuzzTarget = Enum.Parse<FuzzTarget>(target);
        string path = Path.Combine(TestData.RepositoryRoot, "tests", "data", "fuzz-regressions", target.ToLowerInvariant(), file);
        using var scratch = new TempFolder();

        // Throws (and fails the test) on any exception other than a diagnosed bad input.
        FuzzTargets.Run(fuzzTarget, File.ReadAllBytes(path), scratch.Path);
    }

    [Fact]
    public void The_reader_has_kept_inputs()
        => Assert.Contains(Inputs(), row => (string)row[0] == nameof(FuzzTarget.Reader));
}
