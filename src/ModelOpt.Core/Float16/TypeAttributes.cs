using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// Reads attributes that name an element type. Cast-1 (opsets 1–5) names the target as a string
/// (<c>to = "FLOAT16"</c>); Cast-6 and every other operator use the TensorProto.DataType number.
/// </summary>
internal static class TypeAttributes
{
    /// <summary>Cast's <c>to</c> became an integer in Cast-6 (ONNX Operators.md, Cast).</summary>
    public const long IntegerCastSince = 6;

    private static readonly Dictionary<string, ElementType> ByName = Enum.GetValues<ElementType>()
        .Where(t => t != ElementType.Undefined)
        .ToDictionary(ElementTypes.OnnxName, t => t, StringComparer.Ordinal);

    /// <summary>The type an attribute names; <see cref="ElementType.Undefined"/> when it names none.</summary>
    public static ElementType Read(NodeAttribute attribute) => attribute.Kind switch
    {
        AttributeKind.Int => (ElementType)attribute.Int,
        AttributeKind.String => ByName.GetValueOrDefault(attribute.String),
        _ => ElementType.Undefined,
    };
}
