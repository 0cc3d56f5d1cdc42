namespace ModelOpt.Core.Data;

/// <summary>
/// Reads one kind of sample file (a TensorProto, a NumPy array, an image, a text file) into the
/// samples it holds. <see cref="SampleFolder"/> picks the reader by file extension, so adding a
/// kind is adding a reader to <see cref="SampleFileReaders"/>.
/// </summary>
internal interface ISampleFileReader
{
    /// <summary>The file extensions this reader reads, with the dot (<c>.pb</c>), compared ignoring case.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>
    /// The samples in <paramref name="path"/>, produced lazily: one for a tensor or an image (one
    /// tensor), one per non-empty line for text (a tensor per BERT input). A file that cannot be
    /// read is <c>MOPT0001</c>, one that cannot be decoded <c>MOPT0131</c>.
    /// </summary>
    IEnumerable<Sample> Read(string path, SampleReadContext context);
}
