using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// Lists a sample folder (<see cref="SampleSet"/>'s layout) and reads its samples lazily, each
/// file with the reader of its kind.
/// </summary>
internal sealed class SampleFolder
{
    private readonly List<Entry> _samples;

    private readonly SampleReadContext _context;

    private SampleFolder(string path, List<Entry> samples, SampleReadContext context)
    {
        Path = path;
        _samples = samples;
        _context = context;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Lists <paramref name="folder"/> now (a missing or empty folder fails here, with the code of
    /// <paramref name="purpose"/>); the files are read when the samples are enumerated.
    /// </summary>
    public static SampleFolder List(string folder, string optionName, SamplePurpose purpose, IReadOnlyList<ISampleFileReader> readers, SampleReadContext context)
    {
        string full = System.IO.Path.GetFullPath(folder);
        string code = purpose switch
        {
            SamplePurpose.Calibration => DiagnosticCode.CalibrationDataMissing,
            SamplePurpose.Training => DiagnosticCode.TrainingDataMissing,
            _ => DiagnosticCode.ValidationInputsInvalid,
        };
        // Validation has a way out that calibration lacks; the message offers it.
        string fallback = purpose == SamplePurpose.Validation ? $", or leave {optionName} out to validate on generated inputs" : "";
        string kinds = SampleFileReaders.Describe(readers);
        if (!Directory.Exists(full))
        {
            throw new ModelOptException(code, full,
                $"{optionName} folder '{full}' does not exist. Point {optionName} at a folder of {kinds} files{fallback}.");
        }

        var samples = new List<Entry>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(full).Order(NaturalNameComparer.Instance))
        {
            if (Directory.Exists(entry))
            {
                var files = Directory.EnumerateFiles(entry)
                    .Where(f => !System.IO.Path.GetFileName(f).StartsWith("output_", StringComparison.OrdinalIgnoreCase) && !SampleLabels.IsLabelsFile(f))
                    .Select(f => (Path: f, Reader: SampleFileReaders.Find(readers, f)))
                    .Where(f => f.Reader is not null)
                    .OrderBy(f => f.Path, NaturalNameComparer.Instance)
                    .Select(f => new EntryFile(f.Path, f.Reader!))
                    .ToArray();
                if (files.Length > 0) samples.Add(new Entry(System.IO.Path.GetFileName(entry), files, InFolder: true));
            }
            // labels.txt and labels.npy hold the samples' classes (SampleLabels), not samples.
            else if (SampleFileReaders.Find(readers, entry) is { } reader && !SampleLabels.IsLabelsFile(entry))
            {
                samples.Add(new Entry(System.IO.Path.GetFileName(entry), [new EntryFile(entry, reader)], InFolder: false));
            }
        }
        if (samples.Count == 0)
        {
            throw new ModelOptException(code, full,
                $"{optionName} folder '{full}' holds no {Kinds(readers)} (directly, or one subfolder per sample). Add sample files{fallback}.");
        }
        return new SampleFolder(full, samples, context);
    }

    /// <summary>
    /// The samples in listing order, each read when it is reached. A file directly in the folder
    /// gives its reader's samples (a text file one per line); a subfolder is one sample whose
    /// tensors are those of all its files.
    /// </summary>
    public IEnumerable<Sample> Samples()
        => _samples.SelectMany(s => s.InFolder
            ? [new Sample(s.Name, s.Files.SelectMany(f => f.Reader.Read(f.Path, _context)).SelectMany(r => r.Tensors).ToArray())]
            : s.Files[0].Reader.Read(s.Files[0].Path, _context));

    // Tensor files first ("holds no .pb or .npy files"), then the kinds that need options to read.
    private static string Kinds(IReadOnlyList<ISampleFileReader> readers)
    {
        ISampleFileReader[] tensors = [.. readers.Where(SampleFileReaders.Tensors.Contains)], others = [.. readers.Except(tensors)];
        if (tensors.Length == 0 || others.Length == 0) return SampleFileReaders.Describe(readers) + " files";
        return $"{SampleFileReaders.Describe(tensors)} files, nor {SampleFileReaders.Describe(others)} files";
    }

    /// <summary>One listed entry: its name (the subfolder or file), its files, and whether it is a subfolder.</summary>
    private sealed record Entry(string Name, EntryFile[] Files, bool InFolder);

    /// <summary>One file of a sample and the reader of its kind.</summary>
    private sealed record EntryFile(string Path, ISampleFileReader Reader);
}
