namespace ModelOpt.Core.Data;

/// <summary>
/// Reads one kind of sample file (a TensorProto, a NumPy array; images and text later) into the
/// tensor it holds. <see cref="SampleFolder"/> picks the reader by file extension, so adding a
/// kind is adding a reader to <see cref="SampleFileReaders"/>.
/// </summary>
internal interface ISampleFileReader
{
    /// <summary>The file extensions this reader reads, with the dot (<c>.pb</c>), compared ignoring case.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>The tensor in <paramref name="path"/>; a file that cannot be read is <c>MOPT0001</c> or <c>MOPT0131</c>.</summary>
    SampleTensor Read(string path);
}
