using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// Lists a sample folder (<see cref="SampleSet"/>'s layout) and reads its samples lazily, each
/// file with the reader of its kind.
/// </summary>
internal sealed class SampleFolder
{
    private readonly List<Entry> _samples;

    private SampleFolder(string path, List<Entry> samples)
    {
        Path = path;
        _samples = samples;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Lists <paramref name="folder"/> now (a missing or empty folder fails here, with the code of
    /// <paramref name="purpose"/>); the files are read when the samples are enumerated.
    /// </summary>
    public static SampleFolder List(string folder, string optionName, SamplePurpose purpose, IReadOnlyList<ISampleFileReader> readers)
    {
        string full = System.IO.Path.GetFullPath(folder);
        string code = purpose == SamplePurpose.Calibration ? DiagnosticCode.CalibrationDataMissing : DiagnosticCode.ValidationInputsInvalid;
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
                    .Where(f => !System.IO.Path.GetFileName(f).StartsWith("output_", StringComparison.OrdinalIgnoreCase))
                    .Select(f => (Path: f, Reader: SampleFileReaders.Find(readers, f)))
                    .Where(f => f.Reader is not null)
                    .OrderBy(f => f.Path, NaturalNameComparer.Instance)
                    .Select(f => new EntryFile(f.Path, f.Reader!))
                    .ToArray();
                if (files.Length > 0) samples.Add(new Entry(System.IO.Path.GetFileName(entry), files));
            }
            else if (SampleFileReaders.Find(readers, entry) is { } reader)
            {
                samples.Add(new Entry(System.IO.Path.GetFileName(entry), [new EntryFile(entry, reader)]));
            }
        }
        if (samples.Count == 0)
        {
            throw new ModelOptException(code, full,
                $"{optionName} folder '{full}' holds no {kinds} files (directly, or one subfolder per sample). Add sample files{fallback}.");
        }
        return new SampleFolder(full, samples);
    }

    /// <summary>The samples in listing order, each read when it is reached.</summary>
    public IEnumerable<Sample> Samples()
        => _samples.Select(s => new Sample(s.Name, s.Files.Select(f => f.Reader.Read(f.Path)).ToArray()));

    /// <summary>One sample: its name (the subfolder or file) and its files.</summary>
    private sealed record Entry(string Name, EntryFile[] Files);

    /// <summary>One file of a sample and the reader of its kind.</summary>
    private sealed record EntryFile(string Path, ISampleFileReader Reader);
}
