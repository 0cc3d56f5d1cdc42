using ModelOpt.Core.Passes;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using Xunit;

namespace ModelOpt.Core.Tests.Passes;

public sealed class PassPipelineTests
{
    [Fact]
    public void PassesRunInOrderAndAnyChangeCounts()
    {
        var log = new List<string>();
        var pipeline = new PassPipeline(new RecordingPass("first", false, log), new RecordingPass("second", true, log), new RecordingPass("third", false, log));

        Assert.True(pipeline.Run(Model()));
        Assert.Equal(["first", "second", "third"], log);
        Assert.False(new PassPipeline(new RecordingPass("idle", false, log)).Run(Model()));
    }

    [Fact]
    public void ABugInAPassNamesThePassAndTheNode()
    {
        var model = Model();
        var pass = new ThrowingPass(node => PassErrors.OnNode<bool>(new ThrowingPass(null), model, node, () => throw new InvalidOperationException("boom")));

        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(pass).Run(model));

        Assert.Equal(DiagnosticCode.PassFailed, error.Code);
        Assert.StartsWith("pass 'Throwing': node 'conv1' (Conv, opset 13): failed unexpectedly: InvalidOperationException: boom.", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void ABugOutsideAnyNodeStillNamesThePass()
    {
        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(new ThrowingPass(_ => throw new ArgumentException("bad"))).Run(Model()));

        Assert.Equal(DiagnosticCode.PassFailed, error.Code);
        Assert.StartsWith("pass 'Throwing': failed unexpectedly: ArgumentException: bad", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExpectedErrorKeepsItsCodeAndGainsThePassName()
    {
        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(new ThrowingPass(_ =>
            throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, "model.onnx", "the data file is missing."))).Run(Model()));

        Assert.Equal(DiagnosticCode.ExternalDataOutOfRange, error.Code);
        Assert.Equal("pass 'Throwing': the data file is missing.", error.Message);
        Assert.Equal("model.onnx", error.FilePath);
    }

    [Fact]
    public void UnnamedNodesAreDescribedByTheirOutput()
    {
        var model = Model();
        var node = model.Graph.Nodes[0];
        node.Name = "";

        Assert.Equal("unnamed node producing 'conv1' (Conv, opset 13)", PassErrors.Describe(node, model));
    }

    private static OnnxModel Model()
    {
        var b = new GraphBuilder();
        var y = b.Op("Conv", [b.Input("X", 1, 1, 3, 3), b.Weight("W", [1, 1, 1, 1], [1f])], "conv1");
        return b.Output(y).Build(opset: 13);
    }

    private sealed class RecordingPass(string name, bool modifies, List<string> log) : IModelPass
    {
        public string Name => name;

        public bool Run(OnnxModel model)
        {
            log.Add(name);
            return modifies;
        }
    }

    private sealed class ThrowingPass(Func<Node, bool>? onFirstNode) : IModelPass
    {
        public string Name => "Throwing";

        public bool Run(OnnxModel model) => onFirstNode!(model.Graph.Nodes[0]);
    }
}
