namespace ModelOpt.Core.Float16;

/// <summary>Where an operator output's element type comes from (ONNX Operators.md type constraints).</summary>
internal enum OutputTypeSource
{
    /// <summary>The type of one input (the shared type constraint <c>T</c>).</summary>
    Input,

    /// <summary>Always the same type (<c>Shape</c> → INT64, <c>Equal</c> → BOOL).</summary>
    Fixed,

    /// <summary>An attribute naming the type (<c>Cast</c>'s <c>to</c>, <c>RandomNormal</c>'s <c>dtype</c>).</summary>
    Attribute,

    /// <summary>The tensor held by the node (<c>Constant</c>, <c>ConstantOfShape</c>).</summary>
    ConstantValue,
}
