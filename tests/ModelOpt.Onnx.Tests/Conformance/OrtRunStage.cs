namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>How far one model file got in ONNX Runtime.</summary>
internal enum OrtRunStage
{
    /// <summary>ORT could not create a session (unsupported operator or opset, invalid model).</summary>
    SessionFailed,
    /// <summary>A session was created but running a data set threw.</summary>
    RunFailed,
    /// <summary>Every data set ran; some output differs from the expected one.</summary>
    Mismatched,
    /// <summary>Every data set ran and every output matched.</summary>
    Matched,
}
