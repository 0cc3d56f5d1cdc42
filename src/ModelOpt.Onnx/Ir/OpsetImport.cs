namespace ModelOpt.Onnx.Ir;

/// <summary>An imported operator set: the domain (empty for ONNX) and its version.</summary>
public readonly record struct OpsetImport(string Domain, long Version);
