using System.Globalization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.TestUtilities;

/// <summary>Writes the graph that <see cref="TransformerEncoderBuilder"/> describes, node by node, drawing weights in a fixed order.</summary>
internal sealed class EncoderGraphWriter
{
    private readonly TransformerEncoderBuilder _options;
    private readonly Graph _graph = new("transformer_encoder");
    private readonly GaussianRandom _random;
    private readonly float _std;
    private Value _headsShape = null!;
    private Value _hiddenShape = null!;
    private Value _sqrtHeadSize = null!;
    private Value _sqrt2 = null!;
    private Value _one = null!;
    private Value _half = null!;

    public EncoderGraphWriter(TransformerEncoderBuilder options)
    {
        _options = options;
        _random = new GaussianRandom(options.Seed);
        _std = options.WeightStandardDeviation;
    }

    public OnnxModel Write()
    {
        int hidden = _options.Hidden;
        int headSize = hidden / _options.Heads;
        // Reshape's 0 copies the input's dimension (allowzero = 0), which keeps the batch symbolic.
        _headsShape = Int64s("shape.heads", [0, 0, _options.Heads, headSize]);
        _hiddenShape = Int64s("shape.hidden", [0, 0, hidden]);
        _sqrtHeadSize = Scalar("const.sqrt_head_size", MathF.Sqrt(headSize));
        _sqrt2 = Scalar("const.sqrt2", MathF.Sqrt(2f));
        _one = Scalar("const.one", 1f);
        _half = Scalar("const.half", 0.5f);

        var batch = _options.BatchSize is { } size ? new Dimension(size, null) : new Dimension(null, TransformerEncoderBuilder.BatchSymbol);
        var sequence = new Dimension(_options.SequenceLength, null);
        Value x;
        if (_options.VocabularySize > 0)
        {
            var ids = new Value(TransformerEncoderBuilder.TokenIdsInput, TensorType(ElementType.Int64, batch, sequence));
            _graph.Inputs.Add(ids);
            x = Embeddings(ids);
        }
        else
        {
            x = new Value(TransformerEncoderBuilder.HiddenStatesInput, TensorType(ElementType.Float, batch, sequence, new Dimension(hidden, null)));
            _graph.Inputs.Add(x);
        }

        for (int layer = 0; layer < _options.Layers; layer++)
        {
            x = Layer(x, string.Create(CultureInfo.InvariantCulture, $"layer{layer}"));
        }
        var output = Op("Identity", TransformerEncoderBuilder.OutputName, [x]);
        output.Type = TensorType(ElementType.Float, batch, sequence, new Dimension(hidden, null));
        _graph.Outputs.Add(output);

        var model = new OnnxModel(_graph, TransformerEncoderBuilder.Opset, irVersion: 8)
        {
            DocString = string.Create(CultureInfo.InvariantCulture,
                $"BERT-like encoder: {_options.Layers} layers, hidden {hidden}, {_options.Heads} heads, feed-forward {_options.FeedForward}, sequence {_options.SequenceLength}, vocabulary {_options.VocabularySize}, seed {_options.Seed}."),
        };
        return model;
    }

    private Value Embeddings(Value ids)
    {
        int hidden = _options.Hidden;
        var words = Weight("embeddings.word.weight", [_options.VocabularySize, hidden], 0f);
        var positions = Weight("embeddings.position.weight", [_options.SequenceLength, hidden], 0f);
        var looked = Op("Gather", "embeddings.word", [words, ids]);
        var summed = Op("Add", "embeddings.add_position", [looked, positions]);
        return LayerNorm(summed, "embeddings.layer_norm");
    }

    private Value Layer(Value x, string prefix)
    {
        int hidden = _options.Hidden;
        var attention = Attention(x, prefix + ".attention");
        var afterAttention = LayerNorm(Op("Add", prefix + ".attention.residual", [x, attention]), prefix + ".attention.layer_norm");
        var inner = Gelu(Linear(afterAttention, hidden, _options.FeedForward, prefix + ".intermediate"), prefix + ".intermediate.gelu");
        var outer = Linear(inner, _options.FeedForward, hidden, prefix + ".output");
        return LayerNorm(Op("Add", prefix + ".output.residual", [afterAttention, outer]), prefix + ".output.layer_norm");
    }

    private Value Attention(Value x, string prefix)
    {
        int hidden = _options.Hidden;
        var query = SplitHeads(Linear(x, hidden, hidden, prefix + ".query"), prefix + ".query", [0, 2, 1, 3]);
        // Keys go to [batch, heads, head size, sequence], so query·key needs no further transpose.
        var key = SplitHeads(Linear(x, hidden, hidden, prefix + ".key"), prefix + ".key", [0, 2, 3, 1]);
        var value = SplitHeads(Linear(x, hidden, hidden, prefix + ".value"), prefix + ".value", [0, 2, 1, 3]);

        var scores = Op("Div", prefix + ".scaled_scores", [Op("MatMul", prefix + ".scores", [query, key]), _sqrtHeadSize]);
        var probabilities = Op("Softmax", prefix + ".probabilities", [scores], NodeAttribute.FromInt("axis", -1));
        var context = Op("MatMul", prefix + ".context", [probabilities, value]);
        var merged = Op("Transpose", prefix + ".context.transpose", [context], NodeAttribute.FromInts("perm", [0, 2, 1, 3]));
        var flat = Op("Reshape", prefix + ".context.reshape", [merged, _hiddenShape]);
        return Linear(flat, hidden, hidden, prefix + ".output");
    }

    private Value SplitHeads(Value x, string prefix, long[] permutation)
        => Op("Transpose", prefix + ".transpose", [Op("Reshape", prefix + ".reshape", [x, _headsShape])], NodeAttribute.FromInts("perm", permutation));

    /// <summary>x·W + b with W [in, out] and b [out] (a MatMul named <paramref name="name"/>, then an Add).</summary>
    private Value Linear(Value x, int inputs, int outputs, string name)
    {
        var weight = Weight(name + ".weight", [inputs, outputs], 0f);
        var bias = Weight(name + ".bias", [outputs], 0f);
        return Op("Add", name + ".bias_add", [Op("MatMul", name, [x, weight]), bias]);
    }

    private Value LayerNorm(Value x, string name)
    {
        var scale = Weight(name + ".weight", [_options.Hidden], 1f);
        var bias = Weight(name + ".bias", [_options.Hidden], 0f);
        return Op("LayerNormalization", name, [x, scale, bias], NodeAttribute.FromInt("axis", -1), NodeAttribute.FromFloat("epsilon", 1e-12f));
    }

    private Value Gelu(Value x, string prefix)
    {
        var erf = Op("Erf", prefix + ".erf", [Op("Div", prefix + ".div", [x, _sqrt2])]);
        var gate = Op("Mul", prefix + ".mul", [x, Op("Add", prefix + ".add", [erf, _one])]);
        return Op("Mul", prefix, [gate, _half]);
    }

    /// <summary>Adds a node whose single output has the node's name; returns the output.</summary>
    private Value Op(string opType, string name, Value?[] inputs, params NodeAttribute[] attributes)
    {
        var node = new Node(opType, inputs, [name], name);
        node.Attributes.AddRange(attributes);
        _graph.AddNode(node);
        return node.Outputs[0]!;
    }

    private Value Weight(string name, long[] dims, float mean)
    {
        long count = 1;
        foreach (long d in dims) count *= d;
        return _graph.AddInitializer(name, Tensor.FromFloats(name, dims, _random.Next(checked((int)count), mean, _std)));
    }

    private Value Scalar(string name, float value) => _graph.AddInitializer(name, Tensor.FromFloats(name, [], [value]));

    private Value Int64s(string name, long[] values)
        => _graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.Int64, [values.Length],
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));

    private static TypeProto TensorType(ElementType type, params Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim.Size is { } size
                ? new TensorShapeProto.Types.Dimension { DimValue = size }
                : new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol });
        }
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } };
    }
}
