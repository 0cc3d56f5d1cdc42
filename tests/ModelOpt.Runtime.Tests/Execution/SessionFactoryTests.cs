using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Tests.Validation;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Execution;

public sealed class SessionFactoryTests : IDisposable
{
    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    [Fact]
    public void TheSameModelAndSettingsShareOneSession()
    {
        byte[] model = ValidationModels.Linear();
        byte[] copy = [.. model];

        var first = _sessions.Validation(model);
        Assert.Same(first, _sessions.Validation(model));
        // Another array with the same content is the same model.
        Assert.Same(first, _sessions.Validation(copy));
        // Calibration has the settings of validation, so a model loaded for one serves the other.
        Assert.Same(first, _sessions.Calibration(copy));
        Assert.Equal(1, _sessions.SessionsCreated);

        // Other settings, or another model, are other sessions.
        var timed = _sessions.Latency(model, 1);
        Assert.NotSame(first, timed);
        Assert.Same(timed, _sessions.Latency(copy, 1));
        Assert.NotSame(timed, _sessions.Latency(model, 2));
        Assert.NotSame(first, _sessions.Validation(ValidationModels.Linear(biasShift: 1)));
        Assert.Equal(4, _sessions.SessionsCreated);
        Assert.Equal(4, _sessions.OpenSessions);
        Assert.Same(ExecutionTarget.Cpu, _sessions.Target);
    }

    [Fact]
    public void ReleaseDropsEverySessionOfAModel()
    {
        byte[] model = ValidationModels.Linear();
        byte[] other = ValidationModels.Linear(biasShift: 1);
        var validation = _sessions.Validation(model);
        _sessions.Latency(model, 1);
        var kept = _sessions.Validation(other);

        _sessions.Release([.. model]);

        Assert.Equal(1, _sessions.OpenSessions);
        Assert.Same(kept, _sessions.Validation(other));
        // Asked for again, the released model is loaded again.
        Assert.NotSame(validation, _sessions.Validation(model));
        Assert.Equal(4, _sessions.SessionsCreated);
    }

    [Fact]
    public void TheLoadCheckCountsAndKeepsNothing()
    {
        byte[] model = ValidationModels.Linear();
        OrtModelCheck.Run(_sessions, model, "linear.onnx");
        Assert.Equal(1, _sessions.SessionsCreated);
        Assert.Equal(0, _sessions.OpenSessions);

        var e = Assert.Throws<ModelOptException>(() => OrtModelCheck.Run(_sessions, [1, 2, 3], "broken.onnx"));
        Assert.Equal(DiagnosticCode.OptimizedModelRejected, e.Code);
        Assert.Equal("broken.onnx", e.FilePath);
        Assert.Equal(1, _sessions.SessionsCreated);
    }

    [Fact]
    public void ThePeakCountsTheMostSessionsAliveAtOnceTheLoadChecksIncluded()
    {
        byte[] model = ValidationModels.Linear();
        byte[] other = ValidationModels.Linear(biasShift: 1);
        OrtModelCheck.Run(_sessions, model, "linear.onnx");
        Assert.Equal(1, _sessions.PeakOpenSessions);

        _sessions.Validation(model);
        // A load check while a session is alive makes two alive for a moment.
        OrtModelCheck.Run(_sessions, other, "linear.onnx");
        Assert.Equal(2, _sessions.PeakOpenSessions);

        _sessions.Release(model);
        _sessions.Validation(other);
        _sessions.Release(other);
        _sessions.Latency(model, 1);
        // Released sessions do not count: never more than two at a time.
        Assert.Equal(2, _sessions.PeakOpenSessions);
        Assert.Equal(1, _sessions.OpenSessions);
    }

    [Fact]
    public void AModelThatDoesNotLoadIsOnnxRuntimesErrorAndNotCached()
    {
        Assert.Throws<OnnxRuntimeException>(() => _sessions.Validation([1, 2, 3]));
        Assert.Equal(0, _sessions.SessionsCreated);
        Assert.Equal(0, _sessions.OpenSessions);
    }

    [Fact]
    public void ADisposedFactoryCreatesNothing()
    {
        var sessions = new SessionFactory();
        sessions.Validation(ValidationModels.Linear());
        sessions.Dispose();
        sessions.Dispose();
        Assert.Equal(0, sessions.OpenSessions);
        Assert.Throws<ObjectDisposedException>(() => sessions.Validation(ValidationModels.Linear()));
        sessions.Release(ValidationModels.Linear());
    }

    /// <summary>
    /// What one job on two models opens, step by step as the engine runs it: the load check (1,
    /// dropped), the gate's comparison (original and optimized: 2), latency (both again, with a
    /// fixed thread count: 2) and per-node sensitivity (both with extra outputs: 2, released) —
    /// 7, where the engine opened 8 before (generated inputs loaded the original once more). A
    /// second trial against the same original (Auto) opens only its own model.
    /// </summary>
    [Fact]
    public void OneJobOnTwoModelsOpensSevenSessionsAndASecondTrialOnlyItsOwn()
    {
        using var originalModel = ValidationModels.LinearModel();
        using var optimizedModel = ValidationModels.LinearModel(biasShift: 0.01f);
        byte[] original = OnnxModelWriter.ToBytes(originalModel);
        byte[] optimized = OnnxModelWriter.ToBytes(optimizedModel);
        var inputs = SampleSet.Generate(originalModel, "linear.onnx", count: 2);
        Assert.Equal(0, _sessions.SessionsCreated); // generating reads the IR, not a session

        OrtModelCheck.Run(_sessions, optimized, "linear.onnx");
        ModelComparison.Compare(_sessions, original, optimized, inputs, "linear.onnx");
        LatencyMeasurement.Measure(_sessions, [original, optimized], inputs.Samples().First(), warmupRuns: 0, runs: 1, intraOpThreads: 1);
        NodeSensitivity.Measure(_sessions, originalModel, optimizedModel, inputs);
        Assert.Equal(7, _sessions.SessionsCreated);
        Assert.Equal(4, _sessions.OpenSessions); // the comparison's and latency's

        // The same comparison again, and the original against a second candidate, reuse the original's session.
        ModelComparison.Compare(_sessions, original, optimized, inputs, "linear.onnx");
        ModelComparison.Compare(_sessions, original, ValidationModels.Linear(biasShift: 0.02f), inputs, "linear.onnx");
        Assert.Equal(8, _sessions.SessionsCreated);
    }
}
