using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>Which ONNX Runtime sessions one job opens, all through the job's one <see cref="SessionFactory"/>.</summary>
public sealed class SessionUseTests
{
    private static readonly TransformerEncoderBuilder Encoder = new() { Layers = 1, Hidden = 32, Heads = 2, FeedForward = 64, SequenceLength = 8, BatchSize = 1 };

    /// <summary>
    /// A job on the original and its optimized model: the load check (1), the gate's comparison
    /// (original and optimized, 2), latency (the same two with a fixed thread count, 2) and
    /// per-node sensitivity (both with extra outputs, 2) make 7; Static adds its calibration run
    /// (1) and, on this encoder's LayerNorms, SmoothQuant's run measuring max|X| per channel (1);
    /// both modes run the encoder once to find its MatMuls' outlier input channels (1). Before the
    /// factory the same jobs opened 8 and 8 (without that run): generated inputs loaded the
    /// original once more for its input metadata.
    /// </summary>
    [Theory]
    [InlineData("Dynamic", 8)]
    [InlineData("Static", 10)]
    public void A_job_opens_one_session_per_model_and_use(string mode, int expected)
    {
        using var folder = new TempFolder();
        string model = Encoder.Save(folder.File("encoder.onnx"));
        var pairs = new List<(string, string)> { ("quantize", mode), ("latency-runs", "1"), ("min-cosine-similarity", "0") };
        if (mode == "Static") pairs.Add(("calibration-data", Encoder.WriteHiddenStateSamples(folder.File("samples"), 2)));

        using var sessions = new SessionFactory();
        new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, folder.File("out.onnx"), null, null, null, Options(pairs)), sessions);

        Assert.Equal(expected, sessions.SessionsCreated);
        // Each use's sessions were released when it ended: never more than a pair alive, none left.
        Assert.Equal(2, sessions.PeakOpenSessions);
        Assert.Equal(0, sessions.OpenSessions);
    }

    private static OptimizationOptions Options(IEnumerable<(string Option, string Value)> pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)), null, "test");
}
