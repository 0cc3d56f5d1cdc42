namespace ModelOpt.Onnx.Diagnostics;

/// <summary>
/// An expected failure caused by the user's input (a model, data or option), carrying a
/// stable <c>MOPTnnnn</c> code, the file it concerns, and a message that says what to do.
/// Anything else that escapes the engine is a bug.
/// </summary>
public sealed class ModelOptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelOptException(string code, string? filePath, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        FilePath = filePath;
    }

    /// <summary>The stable diagnostic code (<see cref="DiagnosticCode"/>).</summary>
    public string Code { get; }

    /// <summary>The file the problem is in, when there is one.</summary>
    public string? FilePath { get; }

    /// <summary>The diagnostic in canonical MSBuild format: <c>path: error MOPTnnnn: text</c>.</summary>
    public string ToCanonicalString()
        => FilePath is null
            ? $"modelopt: error {Code}: {Message}"
            : $"{FilePath}: error {Code}: {Message}";
}
