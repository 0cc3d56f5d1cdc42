namespace ModelOpt.Engine.Planning;

/// <summary>
/// What a model mostly computes, which decides the mode <c>Quantize="Recommended"</c> (the
/// default) takes, from what was measured on real models (docs/benchmarks.md, "Per
/// architecture"): convolutional nets (ResNet, MobileNet-style classifiers and detectors, dense
/// heads) run about twice as fast with <c>Static</c>'s fused QDQ kernels and are slower with
/// <c>Dynamic</c>, whose convolutions ONNX Runtime runs as ConvInteger without VNNI fast paths;
/// transformers and other matrix-product models run fastest with <c>Dynamic</c> (×0.40 on
/// arctic-embed-xs, 25% of the size with its int8 embedding tables) and need no calibration.
/// Decided from the graph alone, so the same model always gets the same mode.
/// </summary>
public enum ModelKind
{
    /// <summary>Most multiply-accumulates are in Conv and ConvTranspose.</summary>
    Convolutional,

    /// <summary>Most multiply-accumulates are in MatMul and Gemm (transformers, MLPs), or nothing is multiplied.</summary>
    MatrixProduct,
}
