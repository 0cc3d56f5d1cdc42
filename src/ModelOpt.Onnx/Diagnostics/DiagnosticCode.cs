namespace ModelOpt.Onnx.Diagnostics;

/// <summary>
/// The stable diagnostic codes of ModelOpt. Users put them in <c>NoWarn</c> and
/// <c>WarningsAsErrors</c>, so a code never changes meaning once released.
/// </summary>
public static class DiagnosticCode
{
    /// <summary>A model or data file does not exist or cannot be read.</summary>
    public const string FileNotReadable = "MOPT0001";

    /// <summary>The bytes are not a valid ONNX protobuf message (truncated, corrupt, not ONNX).</summary>
    public const string InvalidProtobuf = "MOPT0002";

    /// <summary>An external data <c>location</c> points outside the model's folder.</summary>
    public const string ExternalDataOutsideModelFolder = "MOPT0003";

    /// <summary>An external data file is missing, or its offset/length lies outside the file.</summary>
    public const string ExternalDataOutOfRange = "MOPT0004";

    /// <summary>A tensor's declared shape is negative, overflows, or exceeds the size limit.</summary>
    public const string InvalidTensorShape = "MOPT0005";

    /// <summary>A tensor's stored data does not match its element type and shape.</summary>
    public const string TensorDataMismatch = "MOPT0006";

    /// <summary>Subgraphs (If/Loop/Scan bodies) are nested deeper than the limit.</summary>
    public const string SubgraphTooDeep = "MOPT0007";

    /// <summary>The graph structure is invalid (a value produced twice, a missing graph).</summary>
    public const string InvalidGraph = "MOPT0008";

    /// <summary>The model cannot be written as asked (for example over 2 GB without external data).</summary>
    public const string CannotWriteModel = "MOPT0009";

    /// <summary>A command-line argument or option is wrong.</summary>
    public const string InvalidArgument = "MOPT0010";
}
