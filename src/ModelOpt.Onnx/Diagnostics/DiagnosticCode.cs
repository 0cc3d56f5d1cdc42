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

    /// <summary>An option or item metadata has a value outside what it accepts.</summary>
    public const string InvalidOption = "MOPT0011";

    /// <summary>An option asks for a capability this version does not have yet.</summary>
    public const string NotAvailableYet = "MOPT0012";

    /// <summary>Warning: the CUDA execution provider was asked for, but no usable GPU was found (the message says what is missing); the job runs on the CPU.</summary>
    public const string CudaFallsBackToCpu = "MOPT0013";

    // MOPT0020–0049: hostile input and scale.

    /// <summary>Warning: a node reads a weight holding NaN or infinity; it is kept in float and the rest of the model is optimized.</summary>
    public const string NonFiniteWeightKeptInFloat = "MOPT0020";

    /// <summary>A node is a custom operator (a domain ONNX Runtime does not ship) that ONNX Runtime cannot load, so the model cannot be run.</summary>
    public const string CustomOperatorNotLoadable = "MOPT0021";

    /// <summary>A graph has a cycle: a node reads, through other nodes, its own output.</summary>
    public const string CyclicGraph = "MOPT0022";

    /// <summary>Warning: the graph has more nodes than the engine measures latency and per-node error for; both are left out of the report (the load check and the gate still run).</summary>
    public const string LargeGraphMeasurementsSkipped = "MOPT0023";

    // MOPT01xx: the engine (ModelOpt.Core passes).

    /// <summary>A pass failed unexpectedly on a node; the message names the pass and the node. A bug: please report it.</summary>
    public const string PassFailed = "MOPT0100";

    /// <summary>The opset upgrade met an operator it has no knowledge of (unknown op, or a version step not described).</summary>
    public const string OpsetUpgradeUnknownOperator = "MOPT0101";

    /// <summary>The opset upgrade knows the operator, but this use of it has no equivalent in the target opset.</summary>
    public const string OpsetUpgradeNotPossible = "MOPT0102";

    /// <summary>The opset upgrade was asked for versions it does not cover (source too old, target too new, model-local functions).</summary>
    public const string OpsetVersionUnsupported = "MOPT0103";

    /// <summary>A weight tensor holds NaN or infinity, which no quantization scale can represent.</summary>
    public const string NonFiniteWeights = "MOPT0104";

    /// <summary>The optimized model does not load or run in ONNX Runtime, so it is not written.</summary>
    public const string OptimizedModelRejected = "MOPT0120";

    // MOPT0130–0139: static quantization and its calibration data.

    /// <summary>Static quantization was asked for without calibration data, or the data holds no sample.</summary>
    public const string CalibrationDataMissing = "MOPT0130";

    /// <summary>A calibration file cannot be read as a tensor (corrupt <c>.pb</c>, bad <c>.npy</c> header, unsupported type or layout).</summary>
    public const string CalibrationDataInvalid = "MOPT0131";

    /// <summary>A calibration tensor's shape or element type does not fit the model input it is bound to.</summary>
    public const string CalibrationShapeMismatch = "MOPT0132";

    /// <summary>A calibration sample does not provide exactly the model's inputs (one missing, one too many, a name that is no input).</summary>
    public const string CalibrationInputsMismatch = "MOPT0133";

    /// <summary>ONNX Runtime could not run the float model on the calibration data.</summary>
    public const string CalibrationRunFailed = "MOPT0134";

    // MOPT0150–0159: float16 conversion.

    /// <summary>Float16 conversion was asked for a model below opset 6, whose Cast cannot hold the casts float16 needs.</summary>
    public const string Float16OpsetTooOld = "MOPT0150";

    // MOPT0180–0189: validation, the accuracy gate against the original model.

    /// <summary>The optimized model's outputs differ from the original's by more than the accuracy gate allows (MinCosineSimilarity, MaxAbsoluteError, MinTopOneAgreement).</summary>
    public const string AccuracyGateFailed = "MOPT0180";

    /// <summary>Validation inputs cannot be read or generated (a missing or empty ValidationData folder, a symbolic dimension InputShapes does not fix, an input type that cannot be generated, a sample that does not fit the model).</summary>
    public const string ValidationInputsInvalid = "MOPT0181";

    /// <summary>ONNX Runtime could not load or run the original or the optimized model on a validation sample.</summary>
    public const string ValidationRunFailed = "MOPT0182";

    /// <summary>Warning: Quantize="Auto" found no quantization that passes the accuracy gate; the model is embedded unquantized.</summary>
    public const string AutoFoundNoPassingQuantization = "MOPT0183";

    /// <summary>Warning: the optimized model ran slower than the original in the job's latency measurement.</summary>
    public const string OptimizedModelSlower = "MOPT0184";

    /// <summary>Warning: every configuration that passed the gate under Quantize="Auto" ran slower than the original, so the objective kept the model unquantized.</summary>
    public const string AutoFoundOnlySlowerModels = "MOPT0185";

    // MOPT0300–0339: distillation (the ONNX graph as a trainable TorchSharp module).

    /// <summary>TorchSharp's native libraries cannot be loaded or prepared (a libstdc++ too old for them, a cache folder that cannot be written, natives missing from the package).</summary>
    public const string TorchSharpUnavailable = "MOPT0300";

    /// <summary>A node's operator has no converter to TorchSharp at the model's opset, so the model cannot be distilled as a whole.</summary>
    public const string DistillationUnsupportedOperator = "MOPT0301";

    /// <summary>A node cannot be converted as written: an attribute value or input the converter does not support (for example a non-constant shape input it needs at build time).</summary>
    public const string DistillationUnsupportedNode = "MOPT0302";

    /// <summary>The inputs given to the trainable module do not match the model's inputs (one missing, an unknown name, a value name that the graph does not have).</summary>
    public const string DistillationInputsMismatch = "MOPT0303";
    // MOPT0200–0219: GPU execution (the execution target, the ONNX Runtime native folder).

    /// <summary>RequireGpu is true but no usable GPU was found; the message names what is missing (libraries, driver, device, the CUDA provider).</summary>
    public const string GpuRequiredButUnavailable = "MOPT0200";

    /// <summary>The ONNX Runtime native folder handed to the worker (<c>--onnxruntime-native</c>, <c>ModelOptOnnxRuntimeNative</c>) is not usable: missing, no <c>libonnxruntime</c>, or set after ONNX Runtime was loaded.</summary>
    public const string OnnxRuntimeNativeFolderInvalid = "MOPT0201";

    /// <summary>Warning: TargetExecutionProvider is Cuda, and nodes of the optimized model have no CUDA kernel in ONNX Runtime, so they would run on the CPU (the report lists them).</summary>
    public const string NodesLeaveTheGpu = "MOPT0202";
    /// <summary>Warning: a cache entry (manifest or content) failed its SHA-256 check or could not be read as one; it was discarded and the model is computed again.</summary>
    public const string CacheEntryCorrupt = "MOPT0400";

    /// <summary>Warning: a cache tier (folder or HTTP server) could not be read or written (read-only or full folder, server down, refused token); the build goes on without that tier.</summary>
    public const string CacheTierUnavailable = "MOPT0401";

    /// <summary>Warning: a cache entry is unsigned or its signature does not match the key that ModelOptCacheSigningKeyVariable names; it is ignored.</summary>
    public const string CacheEntryNotSigned = "MOPT0402";

    /// <summary>Warning: the environment variable that ModelOptCacheSigningKeyVariable or ModelOptRemoteCacheTokenVariable names is not set; the tiers that need it are not used.</summary>
    public const string CacheSecretMissing = "MOPT0403";

    /// <summary>A cache setting (ModelOptCache*, ModelOptRemoteCache*, or the matching command-line option) has a value it does not accept.</summary>
    public const string InvalidCacheSetting = "MOPT0404";

    /// <summary>A bug in ModelOpt (an unexpected exception); the message carries the details to report.</summary>
    public const string InternalError = "MOPT0999";

    /// <summary><c>Distill="true"</c>, but the distillation package (TorchSharp) is not installed for the worker.</summary>
    public const string DistillationPackageMissing = "MOPT0340";

    /// <summary><c>Distill="true"</c> without training samples, or a TrainingData folder without sample files.</summary>
    public const string TrainingDataMissing = "MOPT0341";

    /// <summary>Distillation ran but could not improve the student: it keeps its untrained weights (a warning).</summary>
    public const string DistillationDidNotImprove = "MOPT0342";
}
