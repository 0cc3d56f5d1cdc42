using ModelOpt.Core.Opsets;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Passes;

public sealed class PassPipelineTests
{
    [Fact]
    public void PassesRunInOrderAndEveryResultComesBack()
    {
        var log = new List<string>();
        var first = new RecordingPass("first", false, log);
        var second = new RecordingPass("second", true, log);
        var third = new RecordingPass("third", false, log);

        var result = new PassPipeline(first, second, third).Run(Model());

        Assert.True(result.Modified);
        Assert.Equal(["first@13", "second@13", "third@13"], log);
        Assert.Equal([first, second, third], result.Results.Select(r => r.Pass));
        Assert.Equal([false, true, false], result.Results.Select(r => r.Modified));
        Assert.Equal("ran second", result.ResultOf(second).Report);
        Assert.False(new PassPipeline(new RecordingPass("idle", false, log)).Run(Model()).Modified);
    }

    [Fact]
    public void AResultIsAskedForByThePassThatRan()
    {
        var ran = new RecordingPass("ran", false, []);
        var result = new PassPipeline(ran).Run(Model());

        Assert.Throws<ArgumentException>(() => result.ResultOf(new RecordingPass("other", false, [])));
    }

    [Fact]
    public void OneUpgradeToTheNewestNeededOpsetRunsBeforeTheFirstPassThatNeedsIt()
    {
        var log = new List<string>();
        var before = new RecordingPass("before", false, log);
        var eleven = new RecordingPass("eleven", false, log, requiredOpset: 11);
        var thirteen = new RecordingPass("thirteen", false, log, requiredOpset: 13);
        var model = Model(opset: 8);

        var result = new PassPipeline(before, eleven, thirteen).Run(model);

        Assert.Equal(["before", "OpsetUpgrade", "eleven", "thirteen"], result.Results.Select(r => r.Pass.Name));
        var upgrade = Assert.IsType<PassResult<OpsetUpgradeReport>>(result.Results[1]);
        Assert.Equal(new OpsetUpgradeReport(8, 13), upgrade.Report);
        Assert.True(upgrade.Modified && result.Modified);
        Assert.Equal(13, model.GetOpsetVersion(""));
        // The passes saw the upgraded model: "eleven" ran at opset 13.
        Assert.Equal(["before@8", "eleven@13", "thirteen@13"], log);
    }

    [Fact]
    public void APassThatNeedsNoNewerOpsetGetsNoUpgrade()
    {
        var model = Model(opset: 13);

        var result = new PassPipeline(new RecordingPass("eleven", false, [], requiredOpset: 11)).Run(model);

        Assert.Equal(["eleven"], result.Results.Select(r => r.Pass.Name));
        Assert.Equal(13, model.GetOpsetVersion(""));
    }

    [Fact]
    public void DynamicQuantizationInAPipelineUpgradesOnceAndTheUpgradeIsItsOwnResult()
    {
        var b = new GraphBuilder();
        var y = b.Op("MatMul", [b.Input("X", 2, 4), b.Weight("W", [4, 3], Enumerable.Range(0, 12).Select(i => i / 12f).ToArray())], "mm");
        var model = b.Output(y).Build(opset: 8);
        var quantize = new DynamicQuantizationPass();

        var result = new PassPipeline(quantize).Run(model);

        Assert.Equal(["OpsetUpgrade", "DynamicQuantization"], result.Results.Select(r => r.Pass.Name));
        Assert.Equal(new OpsetUpgradeReport(8, DynamicQuantizationPass.MinimumOpset), Assert.IsType<PassResult<OpsetUpgradeReport>>(result.Results[0]).Report);
        Assert.Equal(1, result.ResultOf(quantize).Report.QuantizedCount);
        Assert.Equal(DynamicQuantizationPass.MinimumOpset, result.ResultOf(quantize).Report.Opset);
    }

    [Fact]
    public void APassRunOnItsOwnRefusesAModelOlderThanItNeeds()
    {
        var b = new GraphBuilder();
        var y = b.Op("MatMul", [b.Input("X", 2, 4), b.Weight("W", [4, 3], new float[12])], "mm");
        var model = b.Output(y).Build(opset: 8);

        var error = Assert.Throws<ModelOptException>(() => new DynamicQuantizationPass().Run(model));

        Assert.Equal(DiagnosticCode.OpsetVersionUnsupported, error.Code);
        Assert.StartsWith("pass 'DynamicQuantization': the model imports opset 8 and the pass needs opset 11", error.Message, StringComparison.Ordinal);
        Assert.Equal(8, model.GetOpsetVersion(""));
    }

    [Fact]
    public void AFailureNamesThePassAndThePassesThatRanBeforeIt()
    {
        var log = new List<string>();
        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(
            new RecordingPass("first", true, log),
            new RecordingPass("second", false, log),
            new ThrowingPass(_ => throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, "model.onnx", "the data file is missing.")),
            new RecordingPass("never", false, log)).Run(Model()));

        Assert.Equal(DiagnosticCode.ExternalDataOutOfRange, error.Code);
        Assert.Equal("pass 'Throwing' (after first, second): the data file is missing.", error.Message);
        Assert.Equal(["first@13", "second@13"], log);
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

    private static OnnxModel Model(long opset = 13)
    {
        var b = new GraphBuilder();
        var y = b.Op("Conv", [b.Input("X", 1, 1, 3, 3), b.Weight("W", [1, 1, 1, 1], [1f])], "conv1");
        return b.Output(y).Build(opset);
    }

    /// <summary>Logs its name and the opset it saw; reports "ran NAME".</summary>
    private sealed class RecordingPass(string name, bool modifies, List<string> log, long? requiredOpset = null) : IModelPass<string>
    {
        public string Name => name;

        public long? RequiredOpset(OnnxModel model) => requiredOpset;

        public PassResult<string> Run(OnnxModel model)
        {
            log.Add($"{name}@{model.GetOpsetVersion("")}");
            return PassResult.Create(this, modifies, "ran " + name);
        }

        PassResult IModelPass.Run(OnnxModel model) => Run(model);
    }

    private sealed class ThrowingPass(Func<Node, bool>? onFirstNode) : IModelPass<bool>
    {
        public string Name => "Throwing";

        public long? RequiredOpset(OnnxModel model) => null;

        public PassResult<bool> Run(OnnxModel model) => PassResult.Create(this, onFirstNode!(model.Graph.Nodes[0]), true);

        PassResult IModelPass.Run(OnnxModel model) => Run(model);
    }
}
