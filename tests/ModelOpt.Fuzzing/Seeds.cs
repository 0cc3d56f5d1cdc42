using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;

namespace ModelOpt.Fuzzing;

/// <summary>
/// Small valid models the fuzzer mutates: what the pipeline quantizes (MatMul with a constant
/// weight, a Conv), what it passes through (Relu), a Constant node, an If with subgraphs, and
/// each a few hundred bytes so AFL's mutations reach every field.
/// </summary>
internal static class Seeds
{
    public static void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        Save(ChainModels.Build(ChainShape.MatMulAdd, 2), folder, "matmul-add.onnx");
        Save(ChainModels.Build(ChainShape.Relu, 2), folder, "relu.onnx");
        Save(Conv(), folder, "conv.onnx");
        Save(ConstantAndIf(), folder, "constant-if.onnx");
    }

    private static OnnxModel Conv()
    {
        var builder = new GraphBuilder("conv");
        var x = builder.Input("x", 1, 2, 4, 4);
        var w = builder.Weight("w", [3, 2, 1, 1], [0.5f, -0.25f, 1f, 0.75f, -1f, 0.125f]);
        var b = builder.Weight("b", [3], [0.1f, 0f, -0.1f]);
        var y = builder.Op("Conv", [x, w, b], "y");
        builder.Output(y);
        return builder.Build(13);
    }

    private static OnnxModel ConstantAndIf()
    {
        var builder = new GraphBuilder("branches");
        var x = builder.Input("x", 1, 4);
        var c = builder.Constant("c", [4], [1f, 2f, 3f, 4f]);
        var condition = builder.Input("condition", ElementType.Bool, 1);
        var thenBranch = new GraphBuilder("then");
        thenBranch.Output(thenBranch.Op("Add", [x, c], "then_y"));
        var elseBranch = new GraphBuilder("else");
        elseBranch.Output(elseBranch.Op("Mul", [x, c], "else_y"));
        var y = builder.Op("If", [condition], "y",
            NodeAttribute.FromGraph("then_branch", thenBranch.Graph), NodeAttribute.FromGraph("else_branch", elseBranch.Graph));
        builder.Output(y);
        return builder.Build(13);
    }

    private static void Save(OnnxModel model, string folder, string name)
    {
        using (model) OnnxModelWriter.Save(model, Path.Combine(folder, name));
    }
}
