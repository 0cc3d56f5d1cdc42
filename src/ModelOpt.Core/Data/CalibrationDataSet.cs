using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// Calibration inputs, read one sample at a time so that a data set of any size costs the memory
/// of one sample. From a folder (<see cref="FromFolder"/>) or from samples built in memory
/// (<see cref="FromSamples"/>).
/// </summary>
/// <remarks>
/// Folder layout (both may be mixed; order is ordinal by name, numbers in names compared as numbers):
/// <list type="bullet">
/// <item>One subfolder per sample holding one file per model input, as in ONNX's test data sets
/// (<c>test_data_set_0/input_0.pb</c>, <c>input_1.pb</c>, …). Files named <c>output_*</c> (the
/// expected outputs of a test data set) are ignored.</item>
/// <item>Tensor files directly in the folder: each one is a sample of a single-input model.</item>
/// </list>
/// Files are ONNX <c>TensorProto</c>s (<c>.pb</c>) or NumPy arrays (<c>.npy</c>). A tensor binds
/// to the model input whose name equals its TensorProto name (for <c>.npy</c>, its file name
/// without extension); the others bind to the remaining inputs in order.
/// </remarks>
public sealed class CalibrationDataSet
{
    private readonly Func<IEnumerable<CalibrationSample>> _samples;

    private CalibrationDataSet(string description, Func<IEnumerable<CalibrationSample>> samples)
    {
        Description = description;
        _samples = samples;
    }

    /// <summary>How messages name the data (the folder's path, or a description).</summary>
    public string Description { get; }

    /// <summary>The samples, read lazily, in a fixed order. Each enumeration reads them again.</summary>
    public IEnumerable<CalibrationSample> Samples() => _samples();

    /// <summary>
    /// The samples in <paramref name="folder"/> (layout in the remarks). The folder is listed now;
    /// the files are read while the samples are enumerated. A missing folder, or one without
    /// tensor files, is <see cref="DiagnosticCode.CalibrationDataMissing"/>.
    /// </summary>
    public static CalibrationDataSet FromFolder(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataMissing, full,
                $"calibration data folder '{full}' does not exist. Point CalibrationData at a folder of .pb or .npy files.");
        }

        var samples = new List<(string Name, string[] Files)>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(full).Order(NaturalNameComparer.Instance))
        {
            if (Directory.Exists(entry))
            {
                var files = Directory.EnumerateFiles(entry)
                    .Where(f => CalibrationFiles.IsTensorFile(f) && !Path.GetFileName(f).StartsWith("output_", StringComparison.OrdinalIgnoreCase))
                    .Order(NaturalNameComparer.Instance)
                    .ToArray();
                if (files.Length > 0) samples.Add((Path.GetFileName(entry), files));
            }
            else if (CalibrationFiles.IsTensorFile(entry))
            {
                samples.Add((Path.GetFileName(entry), [entry]));
            }
        }
        if (samples.Count == 0)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataMissing, full,
                $"calibration data folder '{full}' holds no .pb or .npy files (directly, or one subfolder per sample).");
        }
        return new CalibrationDataSet(full, () => samples.Select(s => new CalibrationSample(s.Name, s.Files.Select(CalibrationFiles.ReadTensor).ToArray())));
    }

    /// <summary>
    /// Samples built in memory. <paramref name="samples"/> is enumerated once per calibration, so a
    /// lazy sequence (one sample produced at a time) keeps memory flat.
    /// </summary>
    public static CalibrationDataSet FromSamples(IEnumerable<CalibrationSample> samples, string description = "in-memory calibration samples")
        => new(description, () => samples);

    /// <summary>Orders names ordinally, except that runs of digits compare as numbers (<c>input_2</c> before <c>input_10</c>).</summary>
    private sealed class NaturalNameComparer : IComparer<string>
    {
        public static readonly NaturalNameComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            string a = Path.GetFileName(x ?? ""), b = Path.GetFileName(y ?? "");
            int i = 0, j = 0;
            while (i < a.Length && j < b.Length)
            {
                if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
                {
                    int si = i, sj = j;
                    while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                    while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                    var da = a.AsSpan(si, i - si).TrimStart('0');
                    var db = b.AsSpan(sj, j - sj).TrimStart('0');
                    int byLength = da.Length.CompareTo(db.Length);
                    if (byLength != 0) return byLength;
                    int byDigits = da.SequenceCompareTo(db);
                    if (byDigits != 0) return byDigits;
                    continue;
                }
                int c = a[i].CompareTo(b[j]);
                if (c != 0) return c;
                i++;
                j++;
            }
            int rest = (a.Length - i).CompareTo(b.Length - j);
            return rest != 0 ? rest : string.CompareOrdinal(a, b);
        }
    }
}
