using ModelOpt.Core.Operators;
using ModelOpt.Onnx.Ir;
using static ModelOpt.Core.Float16.OutputTypeRule;

namespace ModelOpt.Core.Float16;

/// <summary>
/// The explicit table of ONNX (default domain) operators the float16 conversion knows, from the
/// type constraints of ONNX's <c>docs/Operators.md</c> (opsets 1 to 24), registered since opset 1
/// unless a later schema version changed an output's type. An operator missing here is left in
/// FLOAT. If/Loop/Scan are not listed: their outputs come from their bodies
/// (<see cref="ElementTypeInference"/>).
/// </summary>
internal static class OperatorTypeRules
{
    /// <summary>Operators whose every output has the type of input 0 (constraint T shared by input and outputs).</summary>
    private static readonly string[] SameAsFirstInput =
    [
        "Abs", "Acos", "Acosh", "Add", "AffineGrid", "And", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
        "BitShift", "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "Ceil", "CenterCropPad", "Clip",
        "Col2Im", "Compress", "Concat", "Conv", "ConvTranspose", "Cos", "Cosh", "DepthToSpace", "Det", "DFT",
        "Div", "Einsum", "Elu", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements",
        "GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "GridSample",
        "GroupNormalization", "GRU", "HardSigmoid", "Hardmax", "HardSwish", "Identity", "InstanceNormalization",
        "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "LpPool", "LRN", "LSTM", "MatMul", "Max",
        "MaxRoiPool", "MaxUnpool", "Mean", "MeanVarianceNormalization", "Min", "Mish", "Mod", "Mul", "Neg",
        "NegativeLogLikelihoodLoss", "Not", "Or", "Pad", "Pow", "PRelu", "Reciprocal", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
        "ReduceSumSquare", "Relu", "Reshape", "ReverseSequence", "RMSNormalization", "RNN", "RoiAlign",
        "RotaryEmbedding", "Round", "Scatter", "ScatterElements", "ScatterND", "Selu", "Shrink", "Sigmoid",
        "Sign", "Sin", "Sinh", "Slice", "Softmax", "SoftmaxCrossEntropyLoss", "Softplus", "Softsign",
        "SpaceToDepth", "Split", "Sqrt", "Squeeze", "STFT", "StringConcat", "StringNormalizer", "Sub", "Sum",
        "Swish", "Tan", "Tanh", "TensorScatter", "ThresholdedRelu", "Tile", "Transpose", "Trilu", "Unsqueeze",
        "Xor",
    ];

    private static readonly OperatorRegistry<OperatorTypeRule> Rules = Build();

    /// <summary>The rule for <paramref name="node"/> read at default-domain <paramref name="opset"/>, or null when the table does not know it (other domains' operators included).</summary>
    public static OperatorTypeRule? Find(Node node, long opset) => Rules.Find(node.Domain, node.OpType, opset);

    /// <summary>True for the operators whose outputs come from subgraphs.</summary>
    public static bool IsControlFlow(string opType) => opType is "If" or "Loop" or "Scan";

    private static OperatorRegistry<OperatorTypeRule> Build()
    {
        var rules = new List<OperatorTypeRule>();
        rules.AddRange(SameAsFirstInput.Select(op => Rule(op, SameAs(0))));
        rules.AddRange(
        [
            Rule("BatchNormalization", SameAs(0), SameAs(3)),
            // Dropout-1 to -7: the mask has the data's type T (registered again since 10 below).
            Rule("Dropout", SameAs(0)),
            Rule("MaxPool", SameAs(0), Fixed(ElementType.Int64)),
            Rule("TopK", SameAs(0), Fixed(ElementType.Int64)),
            Rule("Unique", SameAs(0), Fixed(ElementType.Int64)),
            // Mean and InvStdDev have the stash type U (FLOAT by default): statistics stay in float.
            Rule("LayerNormalization", SameAs(0), FromAttribute("stash_type", ElementType.Float, convertible: false)),
            Rule("Attention", SameAs(0), SameAs(1), SameAs(2), SameAs(0)),
            Rule("Where", SameAs(1)),
            Rule("CastLike", SameAs(1)) with { AnyTypeInputs = [0] },
            Rule("Cast", FromAttribute("to", ElementType.Undefined)) with { AnyTypeInputs = [0] },
            Rule("Constant", Constant),
            Rule("ConstantOfShape", Constant),

            // Shape and size only: every element type is accepted, none changes the result.
            Rule("Shape", Fixed(ElementType.Int64)) with { AnyTypeInputs = [0] },
            Rule("Size", Fixed(ElementType.Int64)) with { AnyTypeInputs = [0] },
            Rule("NonZero", Fixed(ElementType.Int64)) with { AnyTypeInputs = [0] },
            Rule("IsNaN", Fixed(ElementType.Bool)) with { AnyTypeInputs = [0] },
            Rule("ArgMax", Fixed(ElementType.Int64)),
            Rule("ArgMin", Fixed(ElementType.Int64)),
            Rule("Equal", Fixed(ElementType.Bool)),
            Rule("Greater", Fixed(ElementType.Bool)),
            Rule("GreaterOrEqual", Fixed(ElementType.Bool)),
            Rule("Less", Fixed(ElementType.Bool)),
            Rule("LessOrEqual", Fixed(ElementType.Bool)),
            Rule("RegexFullMatch", Fixed(ElementType.Bool)),
            Rule("StringSplit", Fixed(ElementType.String), Fixed(ElementType.Int64)),
            Rule("ImageDecoder", Fixed(ElementType.UInt8)),
            Rule("TfIdfVectorizer", Fixed(ElementType.Float)),

            // IsInf-10 takes FLOAT and DOUBLE only; IsInf-20 adds FLOAT16.
            Rule("IsInf", Fixed(ElementType.Bool)) with { Float16Since = 20 },
            // CumSum-11 has no FLOAT16; CumSum-14 adds it.
            Rule("CumSum", SameAs(0)) with { Float16Since = 14 },
            // Range-11 (its only version) takes FLOAT, DOUBLE and integers.
            Rule("Range", SameAs(0)) with { Float16Since = long.MaxValue },
            // Celu-12 (its only version) takes FLOAT only.
            Rule("Celu", SameAs(0)) with { Float16Since = long.MaxValue },
            // NonMaxSuppression's boxes and scores are FLOAT only.
            Rule("NonMaxSuppression", Fixed(ElementType.Int64)) with { Float16Since = long.MaxValue },

            // Resize's scales are tensor(float) in every version; roi has its own constraint T2
            // and holds coordinates, which stay in FLOAT. Upsample's scales likewise.
            Rule("Resize", SameAs(0)) with { FixedFloatInputs = [1, 2] },
            Rule("Upsample", SameAs(0)) with { FixedFloatInputs = [1] },
            // OneHot's indices and depth may be FLOAT; float16 would round indices above 2048.
            Rule("OneHot", SameAs(2)) with { FixedFloatInputs = [0, 1] },
            // MelWeightMatrix's frequencies in hertz keep their precision; the matrix type is an attribute.
            Rule("MelWeightMatrix", FromAttribute("output_datatype", ElementType.Float)) with { FixedFloatInputs = [3, 4] },

            // Types named by attributes: a float16 node names FLOAT16 instead of FLOAT.
            Rule("RandomNormal", FromAttribute("dtype", ElementType.Float)),
            Rule("RandomUniform", FromAttribute("dtype", ElementType.Float)),
            Rule("RandomNormalLike", FromAttribute("dtype", ElementType.Undefined, fallbackInput: 0)),
            Rule("RandomUniformLike", FromAttribute("dtype", ElementType.Undefined, fallbackInput: 0)),
            Rule("Bernoulli", FromAttribute("dtype", ElementType.Undefined, fallbackInput: 0)),
            Rule("Multinomial", FromAttribute("dtype", ElementType.Int32)),
            Rule("EyeLike", FromAttribute("dtype", ElementType.Undefined, fallbackInput: 0)),
            Rule("HannWindow", FromAttribute("output_datatype", ElementType.Float)),
            Rule("HammingWindow", FromAttribute("output_datatype", ElementType.Float)),
            Rule("BlackmanWindow", FromAttribute("output_datatype", ElementType.Float)),

            // Quantized operators: integer data with FLOAT scales (blocked, see Float16BlockList).
            Rule("QuantizeLinear", SameAs(2, whenAbsent: ElementType.UInt8)),
            Rule("DequantizeLinear", SameAs(1)),
            Rule("DynamicQuantizeLinear", Fixed(ElementType.UInt8), Fixed(ElementType.Float), Fixed(ElementType.UInt8)),
            Rule("MatMulInteger", Fixed(ElementType.Int32)),
            Rule("ConvInteger", Fixed(ElementType.Int32)),
            Rule("QLinearConv", SameAs(7)),
            Rule("QLinearMatMul", SameAs(7)),
        ]);
        var registrations = rules.Select(r => new OperatorRegistration<OperatorTypeRule>("", r.OpType, 1, r)).ToList();
        // Dropout-10 makes the mask BOOL.
        registrations.Add(new("", "Dropout", 10, Rule("Dropout", SameAs(0), Fixed(ElementType.Bool))));
        return new(registrations);
    }

    private static OperatorTypeRule Rule(string opType, params OutputTypeRule[] outputs) => new(opType, outputs);
}
