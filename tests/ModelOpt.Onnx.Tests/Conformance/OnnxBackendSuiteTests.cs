using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// ONNX's own backend test suite (DESIGN.md §5): every model is loaded, saved, compared with
/// the original message by message, and run in ONNX Runtime before and after the round trip
/// against the suite's expected outputs.
/// </summary>
public sealed class OnnxBackendSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryModelRoundTripsUnchangedAndStillRuns()
    {
        var stopwatch = Stopwatch.StartNew();
        var cases = BackendSuiteCase.Discover(TestData.OnnxBackendSuite);
        Assert.True(cases.Count >= 1000, $"{cases.Count} models under {TestData.OnnxBackendSuite}; install the Debian package libonnx-testdata.");

        using var temp = new TempFolder();
        using var runner = new OrtModelRunner();
        var results = cases.Select(suiteCase => RunCase(suiteCase, temp, runner)).ToArray();

        string report = Report(results, stopwatch.Elapsed);
        output.WriteLine(report);
        Console.WriteLine(report);

        Assert.All(results, r => Assert.True(r.Loaded && r.Saved && r.Equal, $"{r.Case.Id}: {r.LoadError ?? r.SaveError ?? r.Difference}"));
        Assert.Empty(results.Select(r => r.Regression).OfType<string>());
        Assert.True(results.Count(r => r.Resaved?.Ran == true) >= results.Count(r => r.Original?.Matched == true));
    }

    private static BackendSuiteResult RunCase(BackendSuiteCase suiteCase, TempFolder temp, OrtModelRunner runner)
    {
        var result = new BackendSuiteResult(suiteCase);
        string savedPath = Path.Combine(temp.Path, suiteCase.Category, suiteCase.Name, "model.onnx");

        // Any exception is a finding to list, not a reason to stop the other thousand models.
        try
        {
            using var model = OnnxModelReader.Load(suiteCase.ModelPath);
            result.Loaded = true;
            try
            {
                OnnxModelWriter.Save(model, savedPath);
                result.Saved = true;
            }
            catch (Exception e)
            {
                result.SaveError = $"{e.GetType().Name}: {e.Message}";
            }
        }
        catch (Exception e)
        {
            result.LoadError = $"{e.GetType().Name}: {e.Message}";
        }

        var original = OnnxModelReader.ParseFile(suiteCase.ModelPath);
        if (result.Saved)
        {
            try
            {
                result.Difference = ProtoDiff.FirstDifference(original, OnnxModelReader.ParseFile(savedPath));
                result.Equal = result.Difference is null;
            }
            catch (ModelOptException e)
            {
                result.Difference = $"the saved file does not parse: {e.Message}";
            }
        }

        result.HarnessLimitation = suiteCase.HarnessLimitation(original);
        if (result.HarnessLimitation is not null) return result;
        result.RandomOutputs = BackendSuiteCase.HasRandomOutputs(original);
        var dataSets = suiteCase.LoadDataSets();
        result.Original = runner.Run(suiteCase.ModelPath, dataSets);
        if (result.Saved) result.Resaved = runner.Run(savedPath, dataSets);
        return result;
    }

    private static string Report(IReadOnlyList<BackendSuiteResult> results, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        void Line(string line) => text.AppendLine(line);
        void List(string title, IEnumerable<string> items)
        {
            var all = items.ToArray();
            if (all.Length == 0) return;
            Line($"{title} ({all.Length}):");
            foreach (string item in all) Line("  " + item);
        }
        string Counts(Func<BackendSuiteResult, OrtRunOutcome?> pick)
        {
            var outcomes = results.Select(pick).OfType<OrtRunOutcome>().ToArray();
            int Count(OrtRunStage stage) => outcomes.Count(o => o.Stage == stage);
            return string.Create(CultureInfo.InvariantCulture,
                $"ran {outcomes.Count(o => o.Ran)}, matched {Count(OrtRunStage.Matched)} (of {outcomes.Length} tried; session failed {Count(OrtRunStage.SessionFailed)}, run failed {Count(OrtRunStage.RunFailed)}, mismatched {Count(OrtRunStage.Mismatched)})");
        }
        IEnumerable<string> Failures(Func<BackendSuiteResult, OrtRunOutcome?> pick, OrtRunStage stage)
            => results.Where(r => pick(r)?.Stage == stage).Select(r => $"{r.Case.Id}: {pick(r)!.Value.Reason}");

        Line(string.Create(CultureInfo.InvariantCulture, $"ONNX backend suite at {TestData.OnnxBackendSuite}: {results.Count} models, {elapsed.TotalSeconds:F1} s"));
        Line(string.Create(CultureInfo.InvariantCulture,
            $"round trip: loaded {results.Count(r => r.Loaded)}, saved {results.Count(r => r.Saved)}, equal {results.Count(r => r.Equal)}"));
        Line($"not runnable by this harness (data sets hold SequenceProto/OptionalProto/MapProto, or unsupported element types): {results.Count(r => r.HarnessLimitation is not null)}");
        Line("original models in ONNX Runtime: " + Counts(r => r.Original));
        Line("re-saved models in ONNX Runtime: " + Counts(r => r.Resaved));
        List("models that draw random numbers (a match is chance; only running is compared)", results.Where(r => r.RandomOutputs)
            .Select(r => $"{r.Case.Id}: original {r.Original?.Stage}, re-saved {r.Resaved?.Stage}"));
        List("REGRESSIONS: the re-saved model does worse than the original", results.Select(r => r.Regression).OfType<string>());
        List("load failures", results.Where(r => r.LoadError is not null).Select(r => $"{r.Case.Id}: {r.LoadError}"));
        List("save failures", results.Where(r => r.SaveError is not null).Select(r => $"{r.Case.Id}: {r.SaveError}"));
        List("not equal after the round trip", results.Where(r => r.Difference is not null).Select(r => $"{r.Case.Id}: {r.Difference}"));
        List("re-saved outcome differs from the original's", results
            .Where(r => !r.RandomOutputs && r.Original is { } o && r.Resaved is { } s && (o.Stage != s.Stage || o.Reason != s.Reason))
            .Select(r => $"{r.Case.Id}: original {r.Original!.Value.Stage} ({r.Original.Value.Reason}), re-saved {r.Resaved!.Value.Stage} ({r.Resaved.Value.Reason})"));
        List("not runnable by this harness", results.Where(r => r.HarnessLimitation is not null).Select(r => $"{r.Case.Id}: {r.HarnessLimitation}"));
        List("original: ONNX Runtime could not create a session", Failures(r => r.Original, OrtRunStage.SessionFailed));
        List("original: run failed", Failures(r => r.Original, OrtRunStage.RunFailed));
        List("original: outputs differ from the expected ones", Failures(r => r.Original, OrtRunStage.Mismatched));
        return text.ToString();
    }
}
