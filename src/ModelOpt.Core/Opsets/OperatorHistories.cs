using ModelOpt.Onnx.Ir;
using static ModelOpt.Core.Opsets.SchemaAdapters;

namespace ModelOpt.Core.Opsets;

/// <summary>
/// What the opset upgrade knows: for each operator of the default ONNX domain, the opset in
/// which it appeared and every schema version from opset 8 to 21, with what changed. The
/// version lists are those of ONNX's docs/Operators.md; the descriptions follow
/// docs/Changelog.md and the adapters of ONNX's version converter (onnx/version_converter/convert.h),
/// which marks the plain cases "compatible". Operators missing here, and versions not listed,
/// block the upgrade instead of being guessed.
/// </summary>
internal static class OperatorHistories
{
    /// <summary>The oldest opset the table describes changes from: 7 is where numpy-style broadcasting and today's attribute sets begin.</summary>
    public const int OldestSource = 7;

    /// <summary>The newest opset the table describes.</summary>
    public const int NewestTarget = 21;

    private const string Types = "accepts more element types";
    private const string NegativeAxes = "accepts negative axes";
    private const string Float8 = "accepts the float8 types";
    private const string Int4 = "accepts the 4-bit types";
    private const string Broadcast = "inputs may broadcast (numpy rules); equal shapes still work";
    private const string Converter = "documentation rewritten; same computation (ONNX version converter: compatible)";

    private static readonly Dictionary<string, OperatorHistory> Table = Build();

    /// <summary>The history of <paramref name="opType"/>, or null when the upgrade does not know the operator.</summary>
    public static OperatorHistory? Find(string opType) => Table.GetValueOrDefault(opType);

    private static Dictionary<string, OperatorHistory> Build()
    {
        OperatorHistory[] all =
        [
            // Element-wise math.
            .. Ops(1, ["Abs", "Ceil", "Exp", "Floor", "Log", "Neg", "Reciprocal", "Sigmoid", "Sqrt", "Tanh"], Same(13, Types)),
            Op("Relu", 1, Same(13, Types), Same(14, "accepts signed integer types")),
            .. Ops(7, ["Acos", "Asin", "Atan", "Cos", "Sin", "Tan"]),
            .. Ops(9, ["Acosh", "Asinh", "Atanh", "Cosh", "Sinh"]),
            .. Ops(1, ["Add", "Sub", "Mul", "Div"], Same(13, Types), Same(14, "accepts 8- and 16-bit integer types")),
            Op("Pow", 1, Same(12, "the exponent may have its own type"), Same(13, Types), Same(15, Types)),
            Op("Mod", 10, Same(13, Types)),
            .. Ops(1, ["Max", "Min"], Same(8, Broadcast), Same(12, Types), Same(13, Types)),
            .. Ops(1, ["Mean", "Sum"], Same(8, Broadcast), Same(13, Types)),
            Op("Erf", 9, Same(13, Types)),
            Op("Sign", 9, Same(13, Types)),
            Op("Round", 11),
            Op("BitShift", 11),
            .. Ops(18, ["BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor"]),
            Op("IsNaN", 9, Same(13, Types), Same(20, Float8)),
            Op("IsInf", 10, Same(20, Float8)),
            Op("Einsum", 12),
            Op("CumSum", 11, Same(14, Types)),
            Op("Det", 11),

            // Activations.
            .. Ops(1, ["Elu", "HardSigmoid", "Selu", "Softplus", "Softsign"]),
            Op("LeakyRelu", 1, Same(16, Types)),
            Op("PRelu", 1, Same(9, Types), Same(16, Types)),
            Op("ThresholdedRelu", 10),
            Op("Celu", 12),
            Op("HardSwish", 14),
            Op("Shrink", 9),
            Op("Mish", 18),
            Op("Gelu", 20),
            .. Ops(1, ["Softmax", "LogSoftmax", "Hardmax"], Same(11, NegativeAxes), Adapt(13,
                "normalizes along one axis instead of over the input flattened to 2-D at the axis", SoftmaxOverLastAxis)),

            // Comparison and logic.
            Op("Equal", 1, Same(11, Types), Same(13, Types), Same(19, "accepts strings")),
            .. Ops(1, ["Greater", "Less"], Same(9, Types), Same(13, Types)),
            .. Ops(12, ["GreaterOrEqual", "LessOrEqual"], Same(16, Types)),
            .. Ops(1, ["And", "Or", "Xor", "Not"]),
            Op("Where", 9, Same(16, Types)),

            // Convolution, pooling, normalization.
            Op("Conv", 1, Same(11, Converter)),
            Op("ConvTranspose", 1, Same(11, Converter)),
            Op("AveragePool", 1,
                Same(10, "adds ceil_mode (default 0: the old floor)"),
                Same(11, Converter),
                Same(19, "adds dilations (default 1)")),
            Op("MaxPool", 1,
                Same(8, "adds storage_order and the optional Indices output"),
                Same(10, "adds ceil_mode and dilations (defaults: the old behaviour)"),
                Same(11, Converter),
                Same(12, "accepts int8 and uint8")),
            .. Ops(1, ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "LpNormalization", "MaxRoiPool", "InstanceNormalization"]),
            Op("LpPool", 1, Same(11, Converter), Same(18, "adds ceil_mode (default 0: the old floor)")),
            Op("MaxUnpool", 9, Same(11, Converter)),
            Op("LRN", 1, Same(13, Types)),
            Op("MeanVarianceNormalization", 9, Same(13, Types)),
            Op("BatchNormalization", 1,
                Adapt(9, "removes spatial; only the spatial=1 behaviour remains", RemoveSpatial, SpatialMustBeOne),
                Adapt(14, "adds training_mode; the running statistics outputs exist only in training mode, and saved_mean/saved_var are gone",
                    DropTrailingOutputs(1), TrailingOutputsUnused(1, "BatchNormalization-14 produces the statistics outputs only in training mode")),
                Same(15, "scale/bias and mean/var may have their own types")),
            Op("LayerNormalization", 17),
            Op("GroupNormalization", 18, Blocked(21,
                "scale and bias change from one value per group to one per channel; re-export the model with opset 21")),
            Op("Dropout", 1,
                Adapt(10, "the mask output becomes BOOL instead of the data type",
                    DropTrailingOutputs(1), TrailingOutputsUnused(1, "Dropout-10 changes the mask's type from the data type to BOOL")),
                Adapt(12, "ratio becomes an input; adds the training_mode input (absent: inference)", RatioAttributeToInput),
                Same(13, Types)),

            // Matrix products and quantization.
            Op("MatMul", 1, Same(9, Types), Same(13, Types)),
            Op("Gemm", 1, Same(9, Types), Same(11, "C becomes optional"), Same(13, Types)),
            .. Ops(10, ["MatMulInteger", "ConvInteger", "QLinearConv"]),
            Op("QLinearMatMul", 10, Same(21, Types)),
            Op("DynamicQuantizeLinear", 11),
            .. Ops(10, ["QuantizeLinear", "DequantizeLinear"],
                Same(13, "adds axis for 1-D (per-axis) scales, which earlier versions did not accept"),
                Same(19, Float8),
                Same(21, "adds block_size (default 0: no blocks) and 4-bit types")),

            // Tensor manipulation.
            Op("Cast", 1, Same(9, "casts from and to strings"), Same(13, Types), Same(19, "adds saturate, used only for float8 targets"), Same(21, Int4)),
            Op("CastLike", 15, Same(19, Float8), Same(21, Int4)),
            Op("Constant", 1, Same(9, Types), Same(11, "adds sparse_value"), Same(12, "adds value_float, value_ints and the other typed attributes"),
                Same(13, Types), Same(19, Float8), Same(21, Int4)),
            Op("ConstantOfShape", 9, Same(20, Float8), Same(21, Int4)),
            Op("Identity", 1, Same(13, Types), Same(14, "accepts sequences"), Same(16, "accepts optionals"), Same(19, Float8), Same(21, Int4)),
            Op("Reshape", 1, Same(13, Types), Same(14, "adds allowzero (default 0: the old meaning of 0)"), Same(19, Float8), Same(21, Int4)),
            Op("Shape", 1, Same(13, Types), Same(15, "adds start and end (defaults: the whole shape)"), Same(19, Float8), Same(21, Int4)),
            Op("Size", 1, Same(13, Types), Same(19, Float8), Same(21, Int4)),
            Op("Flatten", 1, Same(9, Types), Same(11, NegativeAxes), Same(13, Types), Same(21, Int4)),
            Op("Transpose", 1, Same(13, Types), Same(21, Int4)),
            .. Ops(1, ["Squeeze", "Unsqueeze"], Same(11, NegativeAxes),
                Adapt(13, "axes becomes an input", AxesAttributeToInput), Same(21, Int4)),
            Op("Concat", 1, Same(11, NegativeAxes), Same(13, Types)),
            Op("Split", 1, Same(11, NegativeAxes),
                Adapt(13, "split becomes an input", SplitAttributeToInput),
                Adapt(18, "needs the split input or the num_outputs attribute", AddNumOutputs)),
            Op("Slice", 1, Adapt(10, "starts, ends and axes become inputs; adds steps", SliceAttributesToInputs),
                Same(11, NegativeAxes), Same(13, Types)),
            Op("Gather", 1, Same(11, "accepts negative indices"), Same(13, Types)),
            Op("GatherElements", 11, Same(13, Types)),
            Op("GatherND", 11, Same(12, "adds batch_dims (default 0)"), Same(13, Types)),
            Op("Scatter", 9, Adapt(11, "deprecated in favour of ScatterElements-11, which is the same operator", RenameTo("ScatterElements"), renamedTo: "ScatterElements")),
            .. Ops(11, ["ScatterElements", "ScatterND"], Same(13, Types), Same(16, "adds reduction (default none)"), Same(18, "adds the max and min reductions")),
            Op("Tile", 1, Same(13, Types)),
            Op("Expand", 8, Same(13, Types)),
            Op("Pad", 1,
                Adapt(11, "pads and value become inputs", PadAttributesToInputs, DataTypeMustBeKnown),
                Same(13, Types), Same(18, "adds the optional axes input"), Same(19, "adds wrap mode"), Same(21, Int4)),
            Op("Clip", 1,
                Adapt(11, "min and max become inputs", ClipAttributesToInputs, DataTypeMustBeKnown),
                Same(12, Types), Same(13, Types)),
            Op("DepthToSpace", 1, Same(11, "adds mode (default DCR: the old layout)"), Same(13, Types)),
            Op("SpaceToDepth", 1, Same(13, Types)),
            Op("Compress", 9, Same(11, NegativeAxes)),
            Op("OneHot", 9, Same(11, NegativeAxes)),
            Op("NonZero", 9, Same(13, Types)),
            Op("EyeLike", 9),
            Op("Range", 11),
            Op("Trilu", 14),
            Op("Unique", 11),
            Op("ReverseSequence", 10),
            Op("TopK", 1, Adapt(10, "k becomes an input", TopKAttributeToInput), Same(11, "adds largest and sorted (defaults: the old behaviour)")),
            .. Ops(1, ["ArgMax", "ArgMin"], Same(11, NegativeAxes), Same(12, "adds select_last_index (default 0: the old choice)"), Same(13, Types)),
            .. Ops(1, ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMean", "ReduceProd", "ReduceSumSquare"],
                Same(11, NegativeAxes), Same(13, Types), Adapt(18, "axes becomes an input", AxesAttributeToInput)),
            .. Ops(1, ["ReduceMax", "ReduceMin"],
                Same(11, NegativeAxes), Same(12, "accepts int8 and uint8"), Same(13, Types),
                Adapt(18, "axes becomes an input", AxesAttributeToInput), Same(20, "accepts bool")),
            Op("ReduceSum", 1, Same(11, NegativeAxes), Adapt(13, "axes becomes an input", AxesAttributeToInput)),

            // Resampling.
            Op("Upsample", 7,
                Adapt(9, "scales becomes an input", ScalesAttributeToInput),
                Adapt(10, "deprecated in favour of Resize-10, which has the same inputs and definition", UpsampleToResize, renamedTo: "Resize")),
            Op("Resize", 10,
                Adapt(11, "adds the roi input, coordinate_transformation_mode and nearest_mode", ResizeAddRoi),
                Same(13, "roi becomes optional; more modes"),
                Same(18, "adds antialias, axes and keep_aspect_ratio_policy (defaults: the old behaviour)"),
                Same(19, "adds the half_pixel_symmetric mode")),
            Op("RoiAlign", 10, Adapt(16, "adds coordinate_transformation_mode, whose default (half_pixel) differs from the old output_half_pixel",
                KeepStringDefault("coordinate_transformation_mode", "output_half_pixel"))),
            Op("NonMaxSuppression", 10, Same(11, Converter)),

            // Recurrent networks.
            Op("RNN", 1, Same(14, "adds layout (default 0: the old layout)")),
            Op("GRU", 1, Same(14, "adds layout (default 0: the old layout)")),
            Op("LSTM", 1, Same(14, "adds layout (default 0: the old layout)")),

            // Control flow: the bodies are upgraded with the rest of the model.
            .. Ops(1, ["If", "Loop"],
                Same(11, "loosens the rules on body outputs"), Same(13, "accepts sequences"), Same(16, "accepts optionals"),
                Same(19, Float8), Same(21, Int4)),
            Op("Scan", 8,
                Blocked(9, "Scan-8 has a batch axis that Scan-9 removed; re-export the model with opset 9 or later"),
                Same(11, NegativeAxes), Same(16, Types), Same(19, Float8), Same(21, Int4)),

            // Sequences, optionals, randomness, strings.
            .. Ops(11, ["SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert", "SequenceLength", "SplitToSequence", "ConcatFromSequence"]),
            Op("Optional", 15),
            .. Ops(15, ["OptionalGetElement", "OptionalHasElement"], Same(18, "accepts tensors as well as optionals")),
            .. Ops(1, ["RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike"]),
            Op("Multinomial", 7),
            Op("Bernoulli", 15),
            Op("StringNormalizer", 10),
            Op("TfIdfVectorizer", 9),
        ];
        var table = new Dictionary<string, OperatorHistory>(StringComparer.Ordinal);
        foreach (var history in all) table.Add(history.OpType, history);
        return table;
    }

    private static OperatorHistory Op(string opType, int since, params SchemaChange[] changes) => new(opType, since, changes);

    private static IEnumerable<OperatorHistory> Ops(int since, string[] opTypes, params SchemaChange[] changes)
        => opTypes.Select(op => Op(op, since, changes));

    private static SchemaChange Same(int version, string summary) => new(version, summary);

    private static SchemaChange Adapt(int version, string summary, Func<UpgradeContext, Node, Node> apply,
        Func<UpgradeContext, Node, string?>? blocker = null, string? renamedTo = null)
        => new(version, summary) { Apply = apply, Blocker = blocker, RenamedTo = renamedTo };

    private static SchemaChange Blocked(int version, string why)
        => new(version, why) { Blocker = (_, _) => why };
}
