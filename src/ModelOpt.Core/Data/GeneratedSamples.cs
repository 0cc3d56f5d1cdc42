using System.Globalization;
using System.Runtime.InteropServices;
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
    /// <summary>The description and the samples for <paramref name="count"/> generated samples of <paramref name="model"/>'s inputs.</summary>
    public static (string Description, Func<IEnumerable<Sample>> Samples) Plan(OnnxModel model, string? modelPath,
        IReadOnlyDictionary<string, long[]> inputShapes, int count, ulong seed)
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
        GeneratedInput[] inputs = [.. declared.Select(v => PlanInput(v, inputShapes, modelPath))];

        string description = string.Create(CultureInfo.InvariantCulture,
            $"{count} generated input{(count == 1 ? "" : "s")} (seed {seed}; floats uniform from -1 to 1, integers 0, bools false)");
        return (description, () => Generate(inputs, count, seed));
    }

    private static IEnumerable<Sample> Generate(GeneratedInput[] inputs, int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        for (int s = 0; s < count; s++)
        {
            var tensors = new SampleTensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) tensors[i] = inputs[i].Create(ref random, s);
            yield return new Sample(string.Create(CultureInfo.InvariantCulture, $"generated_{s}"), tensors);
        }
    }

    /// <summary>The shape and type of one generated input, checked.</summary>
    private static GeneratedInput PlanInput(Value input, IReadOnlyDictionary<string, long[]> inputShapes, string? modelPath)
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

        // An input without a declared shape counts as rank 0, as ONNX Runtime reports it; a
        // dimension without a (non-negative) size is open.
        Dimension[] declared = [.. input.Shape ?? []];
        string declaredText = "[" + string.Join(",", declared.Select(Text)) + "]";
        long[] shape;
        if (inputShapes.TryGetValue(name, out long[]? given))
        {
            // Rank 0 may mean "shape unknown", so any rank is accepted there.
            bool fits = (declared.Length == 0 || declared.Length == given.Length)
                && given.All(d => d >= 0)
                && given.Select((d, k) => declared.Length == 0 || Size(declared[k]) is not long fixedSize || fixedSize == d).All(ok => ok);
            if (!fits)
            {
                throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                    $"InputShapes gives input '{name}' the shape [{string.Join(",", given)}], which does not fit its declared shape {declaredText}. Give every dimension, keeping the fixed ones.");
            }
            shape = [.. given];
        }
        else
        {
            shape = new long[declared.Length];
            for (int k = 0; k < declared.Length; k++)
            {
                if (Size(declared[k]) is long size) shape[k] = size;
                else if (k == 0) shape[k] = 1; // the batch dimension: one row is a valid batch for any model
                else
                {
                    throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                        $"model input '{name}' has the symbolic dimension {k} ('{Symbol(declared[k])}') in its shape {declaredText}, and validation cannot guess its size. " +
                        $"Set InputShapes to the whole shape (e.g. {name}={Example(declared)}), or point ValidationData at real inputs.");
                }
            }
        }

        // In double: a product of user-given dimensions must not overflow before it is checked.
        double elements = shape.Aggregate(1.0, (product, d) => product * d);
        if (elements > SampleSet.MaxGeneratedElements)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' of shape [{string.Join(",", shape)}] has more than {SampleSet.MaxGeneratedElements} elements; check InputShapes, or point ValidationData at real inputs.");
        }
        return new GeneratedInput(name, type, shape, (long)elements);
    }

    private static long? Size(Dimension d) => d.Size is >= 0 ? d.Size : null;

    private static string Symbol(Dimension d) => string.IsNullOrEmpty(d.Symbol) ? "?" : d.Symbol;

    private static string Text(Dimension d) => Size(d) is long size ? size.ToString(CultureInfo.InvariantCulture) : Symbol(d);

    /// <summary>The declared shape with 1 for the batch dimension and 224 for other open ones: a concrete example of the syntax.</summary>
    private static string Example(Dimension[] declared)
        => string.Join(",", declared.Select((d, k) => Size(d) is long size ? size.ToString(CultureInfo.InvariantCulture) : k == 0 ? "1" : "224"));

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

    private sealed record GeneratedInput(string Name, ElementType Type, long[] Shape, long Elements)
    {
        public SampleTensor Create(ref SplitMix64 random, int sample)
        {
            string source = string.Create(CultureInfo.InvariantCulture, $"generated input '{Name}' of sample {sample}");
            int n = checked((int)Elements);
            byte[] data;
            switch (Type)
            {
                case ElementType.Float:
                    var floats = new float[n];
                    for (int i = 0; i < n; i++) floats[i] = random.NextSignedUnitFloat();
                    data = MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
                    break;
                case ElementType.Double:
                    var doubles = new double[n];
                    for (int i = 0; i < n; i++) doubles[i] = random.NextSignedUnitFloat();
                    data = MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray();
                    break;
                case ElementType.Float16:
                    var halves = new Half[n];
                    for (int i = 0; i < n; i++) halves[i] = (Half)random.NextSignedUnitFloat();
                    data = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
                    break;
                default:
                    // Integers 0, bools false: all-zero bytes.
                    data = new byte[ElementTypes.ByteCount(Type, Elements)];
                    break;
            }
            return new SampleTensor(Name, Type, Shape, data, source);
        }
    }
}
