using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Input samples for a model: what calibration measures activations on and what validation runs
/// both models on. From a folder of sample files (<see cref="FromFolder"/>), from samples built in
/// memory (<see cref="FromSamples"/>), or generated from the model's declared inputs
/// (<see cref="Generate"/>). Samples are produced one at a time, so a set of any size costs the
/// memory of one sample.
/// </summary>
/// <remarks>
/// Folder layout (both may be mixed; order is ordinal by name, numbers in names compared as numbers):
/// <list type="bullet">
/// <item>One subfolder per sample holding one file per model input, as in ONNX's test data sets
/// (<c>test_data_set_0/input_0.pb</c>, <c>input_1.pb</c>, …). Files named <c>output_*</c> (the
/// expected outputs of a test data set) are ignored.</item>
/// <item>Sample files directly in the folder: each one is a sample of a single-input model.</item>
/// </list>
/// Files are ONNX <c>TensorProto</c>s (<c>.pb</c>), NumPy arrays (<c>.npy</c>), images
/// (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, <c>.bmp</c>: one sample each, for the model's image
/// input) or text (<c>.txt</c>: one sample per non-empty line, tokenized with <c>Vocabulary</c>
/// into <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>); each kind has its own
/// reader, given a <see cref="SampleReadContext"/>. A tensor binds to the model
/// input whose name equals its TensorProto name (for <c>.npy</c>, its file name without
/// extension); the others bind to the remaining inputs in order.
/// </remarks>
public sealed class SampleSet
{
    /// <summary>How many samples <see cref="Generate"/> makes unless told otherwise.</summary>
    public const int DefaultGeneratedSampleCount = 8;

    /// <summary>The seed of generated samples unless told otherwise (fixed: the same inputs on every run).</summary>
    public const ulong DefaultSeed = 0x4D4F505456414C49UL; // "MOPTVALI"

    /// <summary>The largest generated input, in elements (1 GiB of FLOAT): larger ones are surely a shape mistake.</summary>
    public const long MaxGeneratedElements = 1L << 28;

    private readonly Func<IEnumerable<Sample>> _samples;

    private SampleSet(string description, Func<IEnumerable<Sample>> samples, IReadOnlyList<ResolvedInputShape>? shapes = null)
    {
        Description = description;
        _samples = samples;
        ResolvedShapes = shapes ?? [];
    }

    /// <summary>Where the samples come from, for reports and messages ("ValidationData folder /x", "8 generated inputs (seed …)").</summary>
    public string Description { get; }

    /// <summary>For generated samples, the shape each input got and how it was chosen; empty for samples read or given.</summary>
    public IReadOnlyList<ResolvedInputShape> ResolvedShapes { get; }

    /// <summary>True for samples from <see cref="Generate"/>: a gate on them is indicative only.</summary>
    public bool IsGenerated { get; private init; }

    /// <summary>The samples, produced lazily in a fixed order; each enumeration produces them again (the same ones).</summary>
    public IEnumerable<Sample> Samples() => _samples();

    /// <summary>
    /// The samples in <paramref name="folder"/> (layout in the remarks). The folder is listed now;
    /// the files are read while the samples are enumerated. A missing folder, or one without
    /// sample files, is <see cref="Onnx.Diagnostics.DiagnosticCode.CalibrationDataMissing"/> for
    /// calibration and <see cref="Onnx.Diagnostics.DiagnosticCode.ValidationInputsInvalid"/> for validation.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="optionName">The option the folder came from ("CalibrationData", "ValidationData", "--data"), for messages and the description.</param>
    /// <param name="purpose">What the samples are for, which decides the diagnostics.</param>
    /// <param name="context">
    /// How image and text files become tensors and which model inputs they feed; null reads them
    /// with the defaults and no model (<see cref="SampleReadContext.TensorsOnly"/>).
    /// </param>
    public static SampleSet FromFolder(string folder, string optionName, SamplePurpose purpose, SampleReadContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(optionName);
        var listing = SampleFolder.List(folder, optionName, purpose, SampleFileReaders.All, context ?? SampleReadContext.TensorsOnly);
        return new SampleSet($"{optionName} folder {listing.Path}", listing.Samples);
    }

    /// <summary>
    /// Samples built in memory. <paramref name="samples"/> is enumerated once per use, so a lazy
    /// sequence (one sample produced at a time) keeps memory flat.
    /// </summary>
    public static SampleSet FromSamples(IEnumerable<Sample> samples, string description = "in-memory samples")
    {
        ArgumentNullException.ThrowIfNull(samples);
        return new(description, () => samples);
    }

    /// <summary>
    /// <paramref name="count"/> deterministic samples for the inputs of <paramref name="model"/>,
    /// for validation when no data is given (distribution in the remarks). Shapes and types are
    /// checked now, so a symbolic dimension that needs <paramref name="inputShapes"/> fails here
    /// (<see cref="Onnx.Diagnostics.DiagnosticCode.ValidationInputsInvalid"/>), not in the middle of
    /// a comparison; the model is not kept.
    /// </summary>
    /// <remarks>
    /// The inputs are the graph inputs without an initializer, with their declared types and
    /// shapes (the IR's, which are what ONNX Runtime reports), <c>InputShapes</c> overriding whole shapes:
    /// <list type="bullet">
    /// <item>FLOAT, DOUBLE, FLOAT16: uniform in [-1, 1), from SplitMix64 (not <see cref="Random"/>,
    /// whose seeded sequence is not promised across .NET versions) seeded with
    /// <paramref name="seed"/>, one draw per element, in sample order, then input order, then C
    /// order; each value is k / 2^23 - 1 for an integer k in [0, 2^24): exact in FLOAT and DOUBLE,
    /// rounded to nearest in FLOAT16.</item>
    /// <item>An integer input that a Gather looks up in an embedding table (directly or through
    /// Cast, Unsqueeze, Squeeze, Reshape, Flatten): ids uniform over [0, rows) of the table, from a
    /// SplitMix64 stream of their own (so floats are the same whatever the integer inputs).</item>
    /// <item>A mask (BOOL, or a name containing "mask", such as attention_mask): 1 (true), so every
    /// position takes part.</item>
    /// <item>Other integer types, and token type / segment ids: 0.</item>
    /// <item>Anything else (STRING, BFLOAT16, sequences, …): MOPT0181; such models need ValidationData.</item>
    /// </list>
    /// Symbolic dimensions: <c>InputShapes</c> first (a symbol it fixes for one input fixes it in
    /// every input), then 1 for a leading batch dimension, then a constant Reshape target the input
    /// feeds; anything still open is tried with <paramref name="probe"/> on candidate sizes (image
    /// sides 224, 256, 320, 128, 64, 48, 32 for 4-D float inputs; 128, 64, 32, 16 otherwise), the
    /// first one the model runs on winning. Without a probe, or when none runs, it is MOPT0181,
    /// since a guess that does not run would fail the gate with a less helpful message.
    /// </remarks>
    /// <param name="model">The model (the original one: an optimized model has the same inputs).</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="inputShapes">Whole shapes by input name (InputShapes, e.g. <c>x=1,3,224,224</c>); null for none.</param>
    /// <param name="count">How many samples.</param>
    /// <param name="seed">The generator's seed.</param>
    /// <param name="probe">Runs the original model on one sample: null when it ran, else why not; null to size no open dimension by running.</param>
    public static SampleSet Generate(OnnxModel model, string? modelPath, IReadOnlyDictionary<string, long[]>? inputShapes = null,
        int count = DefaultGeneratedSampleCount, ulong seed = DefaultSeed, Func<Sample, string?>? probe = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var generated = GeneratedSamples.Plan(model, modelPath, inputShapes ?? new Dictionary<string, long[]>(), count, seed, probe);
        return new SampleSet(generated.Description, generated.Samples, generated.Shapes) { IsGenerated = true };
    }
}
