using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// How the element type of one operator output is found, and whether a float16 node changes it.
/// </summary>
/// <param name="Source">Where the type comes from.</param>
/// <param name="Input">The input for <see cref="OutputTypeSource.Input"/>; for <see cref="OutputTypeSource.Attribute"/>, the input whose type applies when the attribute is absent (-1: use <paramref name="Type"/>).</param>
/// <param name="Type">The fixed type, or the attribute's default.</param>
/// <param name="Attribute">The attribute's name for <see cref="OutputTypeSource.Attribute"/>.</param>
/// <param name="Convertible">
/// For <see cref="OutputTypeSource.Attribute"/>: true when a float16 node sets the attribute to FLOAT16
/// (a data type such as <c>dtype</c>); false when the attribute keeps its meaning (LayerNormalization's
/// <c>stash_type</c>, the precision of its statistics, stays FLOAT).
/// </param>
internal readonly record struct OutputTypeRule(OutputTypeSource Source, int Input, ElementType Type, string? Attribute, bool Convertible)
{
    /// <summary>The type of input <paramref name="input"/>, or <paramref name="whenAbsent"/> when the node omits that input.</summary>
    public static OutputTypeRule SameAs(int input, ElementType whenAbsent = ElementType.Undefined)
        => new(OutputTypeSource.Input, input, whenAbsent, null, false);

    /// <summary>Always <paramref name="type"/>.</summary>
    public static OutputTypeRule Fixed(ElementType type) => new(OutputTypeSource.Fixed, -1, type, null, false);

    /// <summary>The type named by <paramref name="attribute"/>; when absent, <paramref name="fallbackInput"/>'s type or <paramref name="defaultType"/>.</summary>
    public static OutputTypeRule FromAttribute(string attribute, ElementType defaultType, int fallbackInput = -1, bool convertible = true)
        => new(OutputTypeSource.Attribute, fallbackInput, defaultType, attribute, convertible);

    /// <summary>The type of the tensor the node holds.</summary>
    public static OutputTypeRule Constant { get; } = new(OutputTypeSource.ConstantValue, -1, ElementType.Undefined, null, false);
}
