using System.Globalization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Builds a small MobileNetV3-style network (Howard et al. 2019, "Searching for MobileNetV3"):
/// a hard-swish stem, inverted-residual blocks (1×1 expansion, depthwise k×k, optional
/// squeeze-and-excitation GlobalAveragePool → Conv → Relu → Conv → HardSigmoid → Mul, 1×1
/// projection, residual Add when shape allows), each Conv followed by BatchNormalization, and a
/// head 1×1 Conv → HardSwish → GlobalAveragePool → Flatten → Gemm → HardSwish → Gemm (opset 14,
/// the first with HardSwish). Weights come from <see cref="Seed"/>: same options, same bytes.
/// </summary>
/// <remarks>
/// Nodes are named by role (<c>block2.expand</c>, <c>block2.depthwise.bn</c>, <c>block2.se.reduce</c>,
/// <c>head.fc1</c>), weights <c>&lt;node&gt;.weight</c> and <c>&lt;node&gt;.bias</c>; the input is
/// <see cref="InputName"/> [1, 3, <see cref="Resolution"/>, <see cref="Resolution"/>], the output <see cref="OutputName"/> [1, <see cref="Classes"/>].
/// </remarks>
public sealed class MobileNetV3Builder
{
    /// <summary>The input's name.</summary>
    public const string InputName = "image";

    /// <summary>The output's name.</summary>
    public const string OutputName = "logits";

    /// <summary>The model's ONNX opset.</summary>
    public const long Opset = 14;

    // (expansion, output channels, kernel, squeeze-and-excitation, hard-swish, stride): a
    // MobileNetV3-Small-like schedule, narrowed so tests run in milliseconds.
    private static readonly (int Expand, int Out, int Kernel, bool Se, bool HardSwish, int Stride)[] Blocks =
    [
        (16, 16, 3, true, false, 2),
        (48, 24, 3, false, false, 2),
        (64, 24, 3, false, false, 1),
        (72, 32, 5, true, true, 2),
        (96, 32, 5, true, true, 1),
    ];

    private Graph _graph = new("mobilenet_v3");
    private GaussianRandom _random = new(1);

    /// <summary>Input height and width.</summary>
    public int Resolution { get; init; } = 64;

    /// <summary>Output classes.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Seed of the weights.</summary>
    public ulong Seed { get; init; } = 3;

    /// <summary>Builds the model.</summary>
    public OnnxModel Build()
    {
        _graph = new Graph("mobilenet_v3");
        _random = new GaussianRandom(Seed);
        var input = new Value(InputName, TensorType([1, 3, Resolution, Resolution]));
        _graph.Inputs.Add(input);

        var x = Activation(ConvBn("stem", input, 3, 16, 3, 2, 1), true, "stem.act");
        int channels = 16;
        for (int i = 0; i < Blocks.Length; i++)
        {
            var (expand, output, kernel, se, hardSwish, stride) = Blocks[i];
            string name = string.Create(CultureInfo.InvariantCulture, $"block{i}");
            var y = x;
            if (expand != channels) y = Activation(ConvBn(name + ".expand", y, channels, expand, 1, 1, 1), hardSwish, name + ".expand.act");
            y = Activation(ConvBn(name + ".depthwise", y, expand, expand, kernel, stride, expand), hardSwish, name + ".depthwise.act");
            if (se) y = SqueezeExcite(name + ".se", y, expand);
            y = ConvBn(name + ".project", y, expand, output, 1, 1, 1);
            if (stride == 1 && channels == output) y = Op("Add", [y, x], name + ".add");
            x = y;
            channels = output;
        }
        x = Activation(ConvBn("head.conv", x, channels, 128, 1, 1, 1), true, "head.conv.act");
        x = Op("GlobalAveragePool", [x], "head.pool");
        x = Op("Flatten", [x], "head.flatten");
        x = Activation(Gemm("head.fc1", x, 128, 64), true, "head.fc1.act");
        var logits = Gemm("head.fc2", x, 64, Classes, OutputName);
        logits.Type = TensorType([1, Classes]);
        _graph.Outputs.Add(logits);
        return new OnnxModel(_graph, Opset, 7);
    }

    private Value SqueezeExcite(string name, Value x, int channels)
    {
        int squeezed = Math.Max(8, channels / 4);
        var s = Op("GlobalAveragePool", [x], name + ".pool");
        s = Op("Relu", [Conv(name + ".reduce", s, channels, squeezed, 1, 1, 1)], name + ".relu");
        s = Conv(name + ".expand", s, squeezed, channels, 1, 1, 1);
        s = Op("HardSigmoid", [s], name + ".gate", NodeAttribute.FromFloat("alpha", 1f / 6), NodeAttribute.FromFloat("beta", 0.5f));
        return Op("Mul", [x, s], name + ".scale");
    }

    private Value Activation(Value x, bool hardSwish, string name) => Op(hardSwish ? "HardSwish" : "Relu", [x], name);

    private Value ConvBn(string name, Value x, int inChannels, int outChannels, int kernel, int stride, int group)
    {
        var y = Conv(name, x, inChannels, outChannels, kernel, stride, group);
        var scale = Weight(name + ".bn.scale", [outChannels], _random.Next(outChannels, 1f, 0.1f));
        var shift = Weight(name + ".bn.shift", [outChannels], _random.Next(outChannels, 0f, 0.1f));
        var mean = Weight(name + ".bn.mean", [outChannels], _random.Next(outChannels, 0f, 0.1f));
        var variance = Weight(name + ".bn.var", [outChannels], _random.Next(outChannels, 0f, 0.2f).Select(v => 1f + Math.Abs(v)).ToArray());
        return Op("BatchNormalization", [y, scale, shift, mean, variance], name + ".bn");
    }

    private Value Conv(string name, Value x, int inChannels, int outChannels, int kernel, int stride, int group)
    {
        int fanIn = inChannels / group * kernel * kernel;
        var w = Weight(name + ".weight", [outChannels, inChannels / group, kernel, kernel], _random.Next(outChannels * fanIn, 0f, (float)Math.Sqrt(2.0 / fanIn)));
        var b = Weight(name + ".bias", [outChannels], _random.Next(outChannels, 0f, 0.05f));
        int pad = kernel / 2;
        return Op("Conv", [x, w, b], name, NodeAttribute.FromInts("kernel_shape", [kernel, kernel]), NodeAttribute.FromInts("strides", [stride, stride]),
            NodeAttribute.FromInts("pads", [pad, pad, pad, pad]), NodeAttribute.FromInt("group", group));
    }

    private Value Gemm(string name, Value x, int inFeatures, int outFeatures, string? output = null)
    {
        var w = Weight(name + ".weight", [outFeatures, inFeatures], _random.Next(outFeatures * inFeatures, 0f, (float)Math.Sqrt(1.0 / inFeatures)));
        var b = Weight(name + ".bias", [outFeatures], _random.Next(outFeatures, 0f, 0.05f));
        var node = new Node("Gemm", [x, w, b], [output ?? name], name);
        node.Attributes.Add(NodeAttribute.FromInt("transB", 1));
        _graph.AddNode(node);
        return node.Outputs[0]!;
    }

    private Value Op(string opType, Value[] inputs, string name, params NodeAttribute[] attributes)
    {
        var node = new Node(opType, inputs, [name], name);
        node.Attributes.AddRange(attributes);
        _graph.AddNode(node);
        return node.Outputs[0]!;
    }

    private Value Weight(string name, long[] dims, float[] values) => _graph.AddInitializer(name, Tensor.FromFloats(name, dims, values));

    private static TypeProto TensorType(long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = shape } };
    }
}
