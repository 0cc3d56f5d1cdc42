using ModelOpt.Distillation.Tests.Execution;

namespace ModelOpt.Distillation.Tests.Converters;

public sealed class ConverterParityTests
{
    public static TheoryData<string> Cases => OneNodeModels.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_converted_node_gives_onnx_runtimes_outputs(string name)
    {
        var test = OneNodeModels.Build(name);
        ModuleRunner.AssertMatchesOnnxRuntime(test.Model, test.Inputs);
    }
}
