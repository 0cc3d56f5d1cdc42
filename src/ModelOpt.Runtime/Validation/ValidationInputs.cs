using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Calibration;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// The input samples the accuracy gate runs both models on: a folder of tensor files
/// (<see cref="FromFolder"/>, the ValidationData or CalibrationData layout), samples built in
/// memory (<see cref="FromSamples"/>), or deterministic generated inputs (<see cref="Generate"/>).
/// Samples are produced lazily, one at a time, so a large folder costs the memory of one sample.
/// </summary>
/// <remarks>
/// Generated inputs follow the model's declared input types and shapes (from ONNX Runtime's input
/// metadata), with <c>InputShapes</c> overriding whole shapes:
/// <list type="bullet">
/// <item>FLOAT, DOUBLE, FLOAT16: uniform in [-1, 1), from <see cref="SplitMix64"/> seeded with the
/// seed, one draw per element, in sample order, then input order, then C order; each value is
/// k / 2^23 - 1 for an integer k in [0, 2^24): exact in FLOAT and DOUBLE, rounded to nearest in FLOAT16.</item>
/// <item>Integer types: 0 (a valid index into any embedding or gather, and a neutral id).</item>
/// <item>BOOL: false.</item>
/// <item>Anything else (STRING, BFLOAT16, sequences, …): <see cref="DiagnosticCode.ValidationInputsInvalid"/>;
/// such models need ValidationData.</item>
/// </list>
/// A symbolic leading (batch) dimension becomes 1; any other symbolic dimension must be fixed by
/// <c>InputShapes</c>, since a guess (1 for a sequence length or an image side) can make a
/// model fail or compare it on meaningless inputs.
/// </remarks>
public sealed class ValidationInputs
{
    /// <summary>How many samples <see cref="Generate"/> makes unless told otherwise.</summary>
    public const int DefaultGeneratedSampleCount = 8;

    /// <summary>The seed of generated inputs unless told otherwise (fixed: the same inputs on every run).</summary>
    public const ulong DefaultSeed = 0x4D4F505456414C49UL; // "MOPTVALI"

    /// <summary>The largest generated input, in elements (1 GiB of FLOAT): larger ones are surely a shape mistake.</summary>
    public const long MaxGeneratedElements = 1L << 28;

    private readonly Func<IEnumerable<CalibrationSample>> _samples;

    private ValidationInputs(string description, Func<IEnumerable<CalibrationSample>> samples)
    {
        Description = description;
        _samples = samples;
    }

    /// <summary>Where the samples come from, for reports and messages ("ValidationData folder /x", "8 generated inputs (seed …)").</summary>
    public string Description { get; }

    /// <summary>The samples, produced lazily in a fixed order; each enumeration produces them again (the same ones).</summary>
    public IEnumerable<CalibrationSample> Samples() => _samples();

    /// <summary>
    /// The samples in <paramref name="folder"/>, in <see cref="CalibrationDataSet.FromFolder"/>'s
    /// layout (one subfolder per sample, or one tensor file per sample of a single-input model).
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="optionName">The option the folder came from, for messages and the description: "ValidationData" or "CalibrationData".</param>
    public static ValidationInputs FromFolder(string folder, string optionName = "ValidationData")
    {
        string full = Path.GetFullPath(folder);
        // Checked here rather than left to CalibrationDataSet, whose messages point at CalibrationData.
        if (!Directory.Exists(full))
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, full,
                $"{optionName} folder '{full}' does not exist. Point {optionName} at a folder of .pb or .npy input tensors, or leave it out to validate on generated inputs.");
        }
        CalibrationDataSet data;
        try
        {
            data = CalibrationDataSet.FromFolder(full);
        }
        catch (ModelOptException e) when (e.Code == DiagnosticCode.CalibrationDataMissing)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, full,
                $"{optionName} folder '{full}' holds no .pb or .npy files (directly, or one subfolder per sample). Add input tensors, or leave {optionName} out to validate on generated inputs.", e);
        }
        return new ValidationInputs($"{optionName} folder {full}", data.Samples);
    }

    /// <summary>Samples built in memory; <paramref name="samples"/> is enumerated once per use.</summary>
    public static ValidationInputs FromSamples(IEnumerable<CalibrationSample> samples, string description = "in-memory validation samples")
        => new(description, () => samples);

    /// <summary>
    /// <paramref name="count"/> deterministic samples for the inputs of <paramref name="model"/>
    /// (distribution in the remarks). Shapes and types are checked now, so a symbolic dimension
    /// that needs <paramref name="inputShapes"/> fails here, not in the middle of a comparison.
    /// </summary>
    /// <param name="model">The serialized model (the original one: the optimized model has the same inputs).</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="inputShapes">Whole shapes by input name (InputShapes, e.g. <c>x=1,3,224,224</c>); null for none.</param>
    /// <param name="count">How many samples.</param>
    /// <param name="seed">The generator's seed.</param>
    public static ValidationInputs Generate(byte[] model, string? modelPath, IReadOnlyDictionary<string, long[]>? inputShapes = null,
        int count = DefaultGeneratedSampleCount, ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        inputShapes ??= new Dictionary<string, long[]>();

        GeneratedInput[] inputs;
        using (var session = ValidationSession.Load(model, modelPath, "original"))
        {
            foreach (string name in inputShapes.Keys.Order(StringComparer.Ordinal))
            {
                if (!session.InputNames.Contains(name))
                {
                    throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                        $"InputShapes gives a shape for '{name}', which is not an input of the model (inputs: {string.Join(", ", session.InputNames)}).");
                }
            }
            inputs = [.. session.InputNames.Select(n => Plan(n, session.Session.InputMetadata[n], inputShapes, modelPath))];
        }

        string description = string.Create(CultureInfo.InvariantCulture,
            $"{count} generated input{(count == 1 ? "" : "s")} (seed {seed}; floats uniform from -1 to 1, integers 0, bools false)");
        return new ValidationInputs(description, () => GenerateSamples(inputs, count, seed));
    }

    private static IEnumerable<CalibrationSample> GenerateSamples(GeneratedInput[] inputs, int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        for (int s = 0; s < count; s++)
        {
            var tensors = new CalibrationTensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) tensors[i] = inputs[i].Create(ref random, s);
            yield return new CalibrationSample(string.Create(CultureInfo.InvariantCulture, $"generated_{s}"), tensors);
        }
    }

    /// <summary>The shape and type of one generated input, checked.</summary>
    private static GeneratedInput Plan(string name, NodeMetadata meta, IReadOnlyDictionary<string, long[]> inputShapes, string? modelPath)
    {
        if (!meta.IsTensor)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' is not a tensor ({meta.OnnxValueType}), so validation cannot generate it. Point ValidationData at real inputs.");
        }
        var type = (ElementType)(int)meta.ElementDataType;
        if (!CanGenerate(meta.ElementDataType))
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' has element type {ElementTypes.OnnxName(type)}, which validation cannot generate (it generates float, integer and bool inputs). Point ValidationData at real inputs.");
        }

        int[] declared = meta.Dimensions;
        string declaredText = "[" + string.Join(",", declared.Select((d, k) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : Symbol(meta, k))) + "]";
        long[] shape;
        if (inputShapes.TryGetValue(name, out long[]? given))
        {
            // Rank 0 is how ONNX Runtime reports an input of unknown shape, so any rank is accepted there.
            bool fits = (declared.Length == 0 || declared.Length == given.Length)
                && given.All(d => d >= 0)
                && given.Select((d, k) => declared.Length == 0 || declared[k] < 0 || declared[k] == d).All(ok => ok);
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
                if (declared[k] >= 0) shape[k] = declared[k];
                else if (k == 0) shape[k] = 1; // the batch dimension: one row is a valid batch for any model
                else
                {
                    throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                        $"model input '{name}' has the symbolic dimension {k} ('{Symbol(meta, k)}') in its shape {declaredText}, and validation cannot guess its size. " +
                        $"Set InputShapes to the whole shape (e.g. {name}={Example(declared)}), or point ValidationData at real inputs.");
                }
            }
        }

        // In double: a product of user-given dimensions must not overflow before it is checked.
        double elements = shape.Aggregate(1.0, (product, d) => product * d);
        if (elements > MaxGeneratedElements)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"model input '{name}' of shape [{string.Join(",", shape)}] has more than {MaxGeneratedElements} elements; check InputShapes, or point ValidationData at real inputs.");
        }
        return new GeneratedInput(name, type, shape, (long)elements);
    }

    private static string Symbol(NodeMetadata meta, int k)
        => k < meta.SymbolicDimensions.Length && !string.IsNullOrEmpty(meta.SymbolicDimensions[k]) ? meta.SymbolicDimensions[k] : "?";

    /// <summary>The declared shape with 1 for the batch dimension and 224 for other open ones: a concrete example of the syntax.</summary>
    private static string Example(int[] declared)
        => string.Join(",", declared.Select((d, k) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : k == 0 ? "1" : "224"));

    private static bool CanGenerate(TensorElementType type) => type is TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16
        or TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Int16 or TensorElementType.UInt16
        or TensorElementType.Int32 or TensorElementType.UInt32 or TensorElementType.Int64 or TensorElementType.UInt64
        or TensorElementType.Bool;

    private sealed record GeneratedInput(string Name, ElementType Type, long[] Shape, long Elements)
    {
        public CalibrationTensor Create(ref SplitMix64 random, int sample)
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
            return new CalibrationTensor(Name, Type, Shape, data, source);
        }
    }
}
