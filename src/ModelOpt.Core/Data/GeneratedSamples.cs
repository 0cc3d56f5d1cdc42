using System.Globalization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Data;

/// <summary>
/// The samples of <see cref="SampleSet.Generate"/>: planned from the model's declared inputs (the
/// graph inputs without an initializer, as ONNX Runtime lists them), checked when planned, and
/// made one sample at a time when enumerated. Only the plan is kept, not the model.
/// </summary>
internal static class GeneratedSamples
{
    /// <summary>
    /// The description, the samples and the resolved shapes for <paramref name="count"/>
    /// generated samples of <paramref name="model"/>'s inputs; <paramref name="probe"/> (null
    /// for none) runs the original on one sample and says why it did not run, or null.
    /// </summary>
    public static (string Description, Func<IEnumerable<Sample>> Samples, ResolvedInputShape[] Shapes) Plan(OnnxModel model, string? modelPath,
        IReadOnlyDictionary<string, long[]> inputShapes, int count, ulong seed, Func<Sample, string?>? probe = null)
    {
        Value[] declared = [.. model.Graph.Inputs.Where(v => v.Initializer is null)];
        foreach (string name in inputShapes.Keys.Order(StringComparer.Ordinal))
        {
            if (!declared.Any(v => v.Name == name))
            {
                throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                    $"InputShapes gives a shape for '{name}', which is not an input of the model (inputs: {string.Join(", ", declared.Select(v => v.Name))}).");
            }
        }
        foreach (var input in declared) CheckType(input, modelPath);
        var roles = declared.Select(v => InputValueRoles.For(model, v)).ToArray();
        var ranges = declared.Select(v => ImageValueRange.For(model, v)).ToArray();

        Func<IReadOnlyList<long[]>, string?>? probeShapes = probe is null ? null
            : shapes => probe(Generate([.. declared.Select((v, i) => Input(v, shapes[i], roles[i], ranges[i], modelPath))], 1, seed).First());
        var resolved = InputShapeResolver.Resolve(model, declared, inputShapes, modelPath, probeShapes);
        GeneratedInput[] inputs = [.. declared.Select((v, i) => Input(v, [.. resolved[i].Shape], roles[i], ranges[i], modelPath))];

        string images = string.Concat(inputs.Where(i => i.Values == GeneratedValues.Uniform && i.Range != ImageValueRange.Default).Select(i => $"; '{i.Name}' uniform from {i.Range}"));
        string description = string.Create(CultureInfo.InvariantCulture,
            $"{count} generated input{(count == 1 ? "" : "s")} (seed {seed}; floats uniform from -1 to 1{images}, token ids uniform over their embedding rows, masks and bools 1, other integers 0)");
        return (description, () => Generate(inputs, count, seed), resolved);
    }

    private static IEnumerable<Sample> Generate(GeneratedInput[] inputs, int count, ulong seed)
    {
        var floats = new SplitMix64(seed);
        // Ids come from a stream of their own (seeded apart from the floats' by a fixed odd
        // constant), so floats stay the same values whatever integer inputs a model has.
        var ids = new SplitMix64(seed ^ 0x544F4B454E494453UL); // "TOKENIDS"
        for (int s = 0; s < count; s++)
        {
            var tensors = new SampleTensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) tensors[i] = inputs[i].Create(ref floats, ref ids, s);
            yield return new Sample(string.Create(CultureInfo.InvariantCulture, $"generated_{s}"), tensors);
        }
    }

    /// <summary>Checks that <paramref name="input"/> is a tensor of a type validation can generate.</summary>
    private static void CheckType(Value input, string? modelPath)
    {
        string name = input.Name;
        if (input.Type?.TensorType is null)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' is not a tensor ({KindOf(input.Type)}), so validation cannot generate it. Point ValidationData at real inputs.");
        }
        var type = input.ElementType;
        if (!CanGenerate(type))
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' has element type {ElementTypes.OnnxName(type)}, which validation cannot generate (it generates float, integer and bool inputs). Point ValidationData at real inputs.");
        }
    }

    /// <summary>The generated input of <paramref name="input"/> with <paramref name="shape"/>, its size checked.</summary>
    private static GeneratedInput Input(Value input, long[] shape, (GeneratedValues Values, long Rows) role, ImageValueRange range, string? modelPath)
    {
        // In double: a product of user-given dimensions must not overflow before it is checked.
        double elements = shape.Aggregate(1.0, (product, d) => product * d);
        if (elements > SampleSet.MaxGeneratedElements)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{input.Name}' of shape [{string.Join(",", shape)}] has more than {SampleSet.MaxGeneratedElements} elements; check InputShapes, or point ValidationData at real inputs.");
        }
        return new GeneratedInput(input.Name, input.ElementType, shape, (long)elements, role.Values, role.Rows, range);
    }

    private static string KindOf(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.SequenceType => "a sequence",
        TypeProto.ValueOneofCase.MapType => "a map",
        TypeProto.ValueOneofCase.OptionalType => "an optional",
        TypeProto.ValueOneofCase.SparseTensorType => "a sparse tensor",
        _ => "no declared type",
    };

    private static bool CanGenerate(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Float16
        or ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16
        or ElementType.Int32 or ElementType.UInt32 or ElementType.Int64 or ElementType.UInt64
        or ElementType.Bool;
}
