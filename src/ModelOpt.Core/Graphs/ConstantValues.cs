using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>Finds the constant data behind a value: an initializer or a <c>Constant</c> node.</summary>
public static class ConstantValues
{
    /// <summary>
    /// The tensor <paramref name="value"/> always holds, or null when it can change at run time.
    /// An initializer that is also a graph input is not constant from IR version 4 on: the
    /// caller may feed it (IR.md, "Graphs": initializers with the same name as an input are
    /// defaults). Constant nodes count with their <c>value</c>, <c>value_float</c> or
    /// <c>value_floats</c> attribute; sparse constants are not expanded.
    /// </summary>
    public static Tensor? TryGetTensor(OnnxModel model, Value value)
    {
        if (value.Initializer is { } initializer)
        {
            return IsOverridable(model, value) ? null : initializer;
        }
        if (value.Producer is { OpType: "Constant", Domain: "" or "ai.onnx" } constant)
        {
            return FromConstantNode(constant);
        }
        return null;
    }

    /// <summary>The tensor a <c>Constant</c> node produces, when it is a dense or float attribute.</summary>
    public static Tensor? FromConstantNode(Node constant)
    {
        foreach (var attribute in constant.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.Tensor is not null:
                    return attribute.Tensor;
                case "value_float":
                    return Tensor.FromFloats(constant.Outputs[0]?.Name ?? "", [], [attribute.Float]);
                case "value_floats":
                    return Tensor.FromFloats(constant.Outputs[0]?.Name ?? "", [attribute.Floats.Count], attribute.Floats.ToArray());
            }
        }
        return null;
    }

    // Values belong to one model and a graph lists only its own values as inputs, so "an input of
    // some graph" is "an input of the graph that holds this initializer"; the value keeps that count.
    private static bool IsOverridable(OnnxModel model, Value value)
        => model.IrVersion >= 4 && value.IsGraphInput;
}
