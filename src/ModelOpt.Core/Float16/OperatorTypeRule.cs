namespace ModelOpt.Core.Float16;

/// <summary>
/// What the float16 conversion needs to know about one ONNX operator: where its outputs' types
/// come from, which FLOAT inputs must stay FLOAT whatever the node's precision, which inputs
/// only contribute a shape or a value that is read once (so their type does not matter), and
/// from which opset on the schema accepts float16 at all. A schema version whose outputs changed
/// is a rule of its own, registered since that version (<see cref="OperatorTypeRules"/>).
/// </summary>
internal sealed record OperatorTypeRule(string OpType, IReadOnlyList<OutputTypeRule> Outputs)
{
    /// <summary>Inputs the schema types as FLOAT only, or that hold coordinates, scales or indices that float16 would round (Resize's scales, OneHot's indices).</summary>
    public IReadOnlyList<int> FixedFloatInputs { get; init; } = [];

    /// <summary>Inputs whose element type does not decide the output's (Cast's input, Shape's input): no cast is inserted for them.</summary>
    public IReadOnlyList<int> AnyTypeInputs { get; init; } = [];

    /// <summary>The first opset whose schema of this operator accepts float16 (<see cref="long.MaxValue"/>: none does).</summary>
    public long Float16Since { get; init; } = 1;

    /// <summary>The rule for output <paramref name="index"/>; the last rule repeats for variadic outputs.</summary>
    public OutputTypeRule Output(int index) => Outputs[Math.Min(index, Outputs.Count - 1)];
}
