namespace ModelOpt.Onnx.Ir;

/// <summary>
/// Where a tensor's bytes live outside the model file: a validated absolute path inside
/// the model's folder, the relative <c>location</c> as written, and the byte range.
/// </summary>
public sealed record ExternalDataReference(string Location, string FullPath, long Offset, long Length);
