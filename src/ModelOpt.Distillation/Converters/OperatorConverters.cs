using ModelOpt.Core.Operators;
using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// Every converter, keyed by (domain, operator, since-version) in Core's
/// <see cref="OperatorRegistry{THandler}"/>: a node is converted by the registration with the
/// newest since-version not above the model's opset, and an operator whose first supported
/// version is newer than the model's opset has no converter (MOPT0301). A converter registered
/// once handles the later versions of its operator itself (it reads <see cref="ConversionContext.Opset"/>);
/// a second registration marks a schema change that needs a different converter.
/// </summary>
public static class OperatorConverters
{
    /// <summary>The registry the module builder looks converters up in.</summary>
    public static OperatorRegistry<IOperatorConverter> Registry { get; } = new(All());

    private static IEnumerable<OperatorRegistration<IOperatorConverter>> All()
    {
        // Convolutions and products.
        yield return Register("Conv", 1, new ConvConverter());
        yield return Register("ConvTranspose", 1, new ConvTransposeConverter());
        yield return Register("Gemm", 1, new GemmConverter());
        yield return Register("MatMul", 1, new MatMulConverter());

        // Elementwise arithmetic with NumPy broadcasting (opset 7 replaced the legacy broadcast attribute).
        yield return Register("Add", 7, new BinaryConverter((a, b) => a.add(b)));
        yield return Register("Sub", 7, new BinaryConverter((a, b) => a.sub(b)));
        yield return Register("Mul", 7, new BinaryConverter((a, b) => a.mul(b)));
        yield return Register("Div", 7, new BinaryConverter(BinaryConverter.Divide));
        yield return Register("Pow", 7, new BinaryConverter((a, b) => a.pow(b), InputRole.Static));
        yield return Register("Equal", 7, new BinaryConverter((a, b) => a.eq(b), InputRole.Static));
        yield return Register("Less", 7, new BinaryConverter((a, b) => a.lt(b), InputRole.Static));
        yield return Register("Greater", 7, new BinaryConverter((a, b) => a.gt(b), InputRole.Static));
        yield return Register("LessOrEqual", 12, new BinaryConverter((a, b) => a.le(b), InputRole.Static));
        yield return Register("GreaterOrEqual", 12, new BinaryConverter((a, b) => a.ge(b), InputRole.Static));
        yield return Register("And", 7, new BinaryConverter((a, b) => a.logical_and(b), InputRole.Static));
        yield return Register("Or", 7, new BinaryConverter((a, b) => a.logical_or(b), InputRole.Static));
        yield return Register("Xor", 7, new BinaryConverter((a, b) => a.logical_xor(b), InputRole.Static));
        yield return Register("Sum", 8, new VariadicConverter((a, b) => a.add(b)));
        yield return Register("Mean", 8, new VariadicConverter((a, b) => a.add(b), mean: true));
        yield return Register("Max", 8, new VariadicConverter(torch.maximum));
        yield return Register("Min", 8, new VariadicConverter(torch.minimum));

        // Elementwise functions (version 1's consumed_inputs attribute is legacy and ignored).
        yield return Register("Relu", 1, new UnaryConverter(x => torch.nn.functional.relu(x)));
        yield return Register("Sigmoid", 1, new UnaryConverter(torch.sigmoid));
        yield return Register("Tanh", 1, new UnaryConverter(torch.tanh));
        yield return Register("Erf", 9, new UnaryConverter(torch.special.erf));
        yield return Register("Sqrt", 1, new UnaryConverter(torch.sqrt));
        yield return Register("Exp", 1, new UnaryConverter(torch.exp));
        yield return Register("Log", 1, new UnaryConverter(torch.log));
        yield return Register("Neg", 1, new UnaryConverter(torch.neg));
        yield return Register("Abs", 1, new UnaryConverter(torch.abs));
        yield return Register("Reciprocal", 1, new UnaryConverter(torch.reciprocal));
        yield return Register("Floor", 1, new UnaryConverter(torch.floor));
        yield return Register("Ceil", 1, new UnaryConverter(torch.ceil));
        yield return Register("Sin", 7, new UnaryConverter(torch.sin));
        yield return Register("Cos", 7, new UnaryConverter(torch.cos));
        yield return Register("Softplus", 1, new UnaryConverter(x => torch.nn.functional.softplus(x)));
        yield return Register("Not", 1, new UnaryConverter(torch.logical_not));
        yield return Register("HardSwish", 14, new UnaryConverter(x => torch.nn.functional.hardswish(x)));
        yield return Register("Clip", 1, new ClipConverter());
        yield return Register("HardSigmoid", 1, new HardSigmoidConverter());
        yield return Register("LeakyRelu", 1, new LeakyReluConverter());
        yield return Register("PRelu", 1, new PReluConverter());
        yield return Register("Gelu", 20, new GeluConverter());
        yield return Register("Softmax", 1, new SoftmaxConverter(logarithm: false, coerceTo2D: true));
        yield return Register("Softmax", 13, new SoftmaxConverter(logarithm: false, coerceTo2D: false));
        yield return Register("LogSoftmax", 1, new SoftmaxConverter(logarithm: true, coerceTo2D: true));
        yield return Register("LogSoftmax", 13, new SoftmaxConverter(logarithm: true, coerceTo2D: false));

        // Normalization.
        yield return Register("BatchNormalization", 1, new BatchNormalizationConverter());
        yield return Register("LayerNormalization", 17, new LayerNormalizationConverter());

        // Pooling and resizing.
        yield return Register("MaxPool", 1, new MaxPoolConverter());
        yield return Register("AveragePool", 1, new AveragePoolConverter());
        yield return Register("GlobalAveragePool", 1, new GlobalPoolConverter(maximum: false));
        yield return Register("GlobalMaxPool", 1, new GlobalPoolConverter(maximum: true));
        yield return Register("Resize", 10, new ResizeConverter());

        // Reductions.
        yield return Register("ReduceMean", 1, new ReduceConverter((x, axes, keep) => x.mean(axes, keep), axesInputSince: 18));
        yield return Register("ReduceSum", 1, new ReduceConverter((x, axes, keep) => x.sum(axes, keep), axesInputSince: 13));
        yield return Register("ReduceMax", 1, new ReduceConverter((x, axes, keep) => x.amax(axes, keep), axesInputSince: 18));
        yield return Register("ReduceMin", 1, new ReduceConverter((x, axes, keep) => x.amin(axes, keep), axesInputSince: 18));
        yield return Register("ArgMax", 1, new ArgMaxConverter(minimum: false));
        yield return Register("ArgMin", 1, new ArgMaxConverter(minimum: true));

        // Shapes and data movement.
        yield return Register("Reshape", 1, new ReshapeConverter());
        yield return Register("Flatten", 1, new FlattenConverter());
        yield return Register("Transpose", 1, new TransposeConverter());
        yield return Register("Concat", 4, new ConcatConverter());
        yield return Register("Split", 2, new SplitConverter());
        yield return Register("Slice", 1, new SliceConverter());
        yield return Register("Squeeze", 1, new SqueezeConverter());
        yield return Register("Unsqueeze", 1, new UnsqueezeConverter());
        yield return Register("Gather", 1, new GatherConverter());
        yield return Register("Pad", 1, new PadConverter());
        yield return Register("Expand", 8, new ExpandConverter());
        yield return Register("Tile", 6, new TileConverter());
        yield return Register("Where", 9, new WhereConverter());
        yield return Register("Cast", 6, new CastConverter());
        yield return Register("Shape", 1, new ShapeConverter());
        yield return Register("Constant", 1, new ConstantConverter());
        yield return Register("ConstantOfShape", 9, new ConstantOfShapeConverter());
        yield return Register("Range", 11, new RangeConverter());
        yield return Register("Identity", 1, new IdentityConverter());
        yield return Register("Dropout", 1, new IdentityConverter());
    }

    private static OperatorRegistration<IOperatorConverter> Register(string opType, long sinceVersion, IOperatorConverter converter)
        => new("", opType, sinceVersion, converter);
}
