namespace ModelOpt.Core.Quantization.Static;

/// <summary>Where the quantization parameters of a quantized node's output come from.</summary>
internal enum OutputParameters
{
    /// <summary>The output is calibrated like any activation (Conv, Add, AveragePool, …).</summary>
    Calibrated,

    /// <summary>
    /// The output reuses its input's scale and zero point: the op only moves or selects values
    /// (MaxPool, Reshape, Flatten), and ONNX Runtime removes the Q/DQ pair around it only when
    /// both sides are equal (DropQDQNodesRules). Quantized only when its input is quantized anyway.
    /// </summary>
    SameAsInput,
}
