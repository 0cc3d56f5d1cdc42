using ModelOpt.Distillation.Converters;
using ModelOpt.Onnx.Ir;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// A student's Conv, Gemm or MatMul that structured pruning narrowed, seen as one linear map from rows to outputs, for layer-wise
/// reconstruction: each output position is a row (a Conv's receptive field unfolded, a Gemm's
/// sample, a MatMul's token) times a matrix M [columns, outputs] whose last row is the bias when
/// the node has one. Only layers where that view is exact are created: a 2-D Conv with group 1,
/// Gemm without transA and with alpha = beta = 1, MatMul by a 2-D initializer, each with weight
/// (and bias) initializers that no other node reads.
/// </summary>
internal sealed class LinearLayer
{
    private readonly string _opType;
    private readonly long[] _weightDims;
    private readonly long[]? _biasDims;
    private readonly bool _transposedWeight;
    private readonly string _autoPad;
    private readonly long[]? _pads;
    private readonly long[] _strides;
    private readonly long[] _dilations;

    private LinearLayer(Node node, string weight, string? bias, long[] weightDims, long[]? biasDims, bool transposedWeight, long[]? teacherChannels)
    {
        TeacherChannels = teacherChannels;
        Node = node;
        _opType = node.OpType;
        Input = node.Inputs[0]!.Name;
        Output = node.Outputs[0]!.Name;
        Weight = weight;
        Bias = bias;
        _weightDims = weightDims;
        _biasDims = biasDims;
        _transposedWeight = transposedWeight;
        _autoPad = node.GetAttribute("auto_pad")?.String ?? "NOTSET";
        _pads = node.GetAttribute("pads")?.Ints.ToArray();
        _strides = node.GetAttribute("strides")?.Ints.ToArray() ?? [1, 1];
        _dilations = node.GetAttribute("dilations")?.Ints.ToArray() ?? [1, 1];
    }

    /// <summary>The student's node.</summary>
    public Node Node { get; }

    /// <summary>The value the node reads (the student's, reduced by pruning).</summary>
    public string Input { get; }

    /// <summary>The value the node writes: the same name in the teacher is the target.</summary>
    public string Output { get; }

    /// <summary>The weight initializer.</summary>
    public string Weight { get; }

    /// <summary>The bias initializer, or null.</summary>
    public string? Bias { get; }

    /// <summary>The teacher's output channels the student kept, in order, when pruning removed some of this layer's outputs; null when it kept them all.</summary>
    public long[]? TeacherChannels { get; }

    /// <summary>Unknowns per output: the weights of one output, plus one for the bias.</summary>
    public long Columns => InputWidth + (Bias is null ? 0 : 1);

    /// <summary>Outputs of the map (a Conv's output channels, a Gemm's or MatMul's columns).</summary>
    public long Outputs => _opType == "Conv" || _transposedWeight ? _weightDims[0] : _weightDims[1];

    private long InputWidth => _opType == "Conv" ? _weightDims[1] * _weightDims[2] * _weightDims[3] : _transposedWeight ? _weightDims[1] : _weightDims[0];

    /// <summary>
    /// The layer of <paramref name="node"/> when structured pruning narrowed it (the teacher's
    /// node writing the same value has a weight with more inputs or more outputs), it fits the
    /// linear view, and its initializers are its own; else null. When outputs were removed, the
    /// kept ones are found by their biases, which pruning copies bit for bit (distinct after
    /// BatchNormalization folding): a layer without a bias, or whose biases do not identify the
    /// channels one to one and in order, is left out.
    /// </summary>
    public static LinearLayer? TryCreate(Node node, IReadOnlyDictionary<string, Node> teacherProducers, IReadOnlyDictionary<string, int> studentReaders)
    {
        if (node.Inputs.Count < 2 || node.Inputs[0] is not { Initializer: null } || node.Inputs[1] is not { Initializer: { ElementType: ElementType.Float } weight } weightValue) return null;
        if (node.Outputs.Count == 0 || node.Outputs[0] is not { } output) return null;
        if (!teacherProducers.TryGetValue(output.Name, out var teacherNode) || teacherNode.OpType != node.OpType || node.Domain.Length != 0) return null;
        if (teacherNode.Inputs.Count < 2 || teacherNode.Inputs[1]?.Initializer is not { } teacherWeight || teacherWeight.Dims.Count != weight.Dims.Count) return null;
        var bias = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (bias is not null && bias.Initializer is not { ElementType: ElementType.Float }) return null;
        if (studentReaders.GetValueOrDefault(weightValue.Name) != 1 || (bias is not null && studentReaders.GetValueOrDefault(bias.Name) != 1)) return null;

        long[] dims = [.. weight.Dims];
        long[] teacherDims = [.. teacherWeight.Dims];
        long[]? biasDims = bias?.Initializer!.Dims.ToArray();
        bool transposed = false;
        int outputAxis, inputAxis;
        switch (node.OpType)
        {
            case "Conv" when dims.Length == 4 && (node.GetAttribute("group")?.Int ?? 1) == 1:
                (outputAxis, inputAxis) = (0, 1);
                break;
            case "Gemm" when dims.Length == 2 && (node.GetAttribute("transA")?.Int ?? 0) == 0
                && (node.GetAttribute("alpha")?.Float ?? 1f) == 1f && (bias is null || (node.GetAttribute("beta")?.Float ?? 1f) == 1f):
                transposed = (node.GetAttribute("transB")?.Int ?? 0) != 0;
                (outputAxis, inputAxis) = transposed ? (0, 1) : (1, 0);
                break;
            case "MatMul" when dims.Length == 2:
                (outputAxis, inputAxis) = (1, 0);
                break;
            default:
                return null;
        }
        if (dims[outputAxis] > teacherDims[outputAxis] || dims[inputAxis] > teacherDims[inputAxis]) return null;
        if (dims[outputAxis] == teacherDims[outputAxis] && dims[inputAxis] == teacherDims[inputAxis]) return null;
        if (biasDims is not null && biasDims.Aggregate(1L, (p, d) => p * d) != dims[outputAxis]) return null;
        long[]? channels = null;
        if (dims[outputAxis] < teacherDims[outputAxis])
        {
            var teacherBias = teacherNode.Inputs.Count > 2 ? teacherNode.Inputs[2]?.Initializer : null;
            if (bias is null || teacherBias is not { ElementType: ElementType.Float }) return null;
            channels = KeptChannels(bias.Initializer!.ToFloatArray(), teacherBias.ToFloatArray());
            if (channels is null) return null;
        }
        return new LinearLayer(node, weightValue.Name, bias?.Name, dims, biasDims, transposed, channels);
    }

    /// <summary>The index in <paramref name="teacher"/> of each value of <paramref name="student"/>, bit for bit, when each occurs once there and the indices ascend; else null.</summary>
    private static long[]? KeptChannels(float[] student, float[] teacher)
    {
        var positions = new Dictionary<int, long>();
        var ambiguous = new HashSet<int>();
        for (int i = 0; i < teacher.Length; i++)
        {
            int bits = BitConverter.SingleToInt32Bits(teacher[i]);
            if (!positions.TryAdd(bits, i)) ambiguous.Add(bits);
        }
        var channels = new long[student.Length];
        for (int j = 0; j < student.Length; j++)
        {
            int bits = BitConverter.SingleToInt32Bits(student[j]);
            if (ambiguous.Contains(bits) || !positions.TryGetValue(bits, out channels[j]) || (j > 0 && channels[j] <= channels[j - 1])) return null;
        }
        return channels;
    }

    /// <summary>The rows of <paramref name="input"/> (the node's input for a batch): [batch, positions, input width].</summary>
    public TorchTensor Rows(TorchTensor input)
    {
        if (_opType != "Conv") return input.reshape(input.shape[0], -1, InputWidth);
        long[] kernel = _weightDims[2..];
        var (begin, end) = TensorValues.SpatialPads(_autoPad, _pads, input.shape[2..], kernel, _strides, _dilations);
        var x = begin.Concat(end).Any(p => p != 0) ? torch.nn.functional.pad(input, TensorValues.TorchPadList(begin, end)) : input;
        var columns = torch.nn.functional.unfold(x, (kernel[0], kernel[1]), (_dilations[0], _dilations[1]), (0, 0), (_strides[0], _strides[1]));
        return columns.transpose(1, 2);
    }

    /// <summary>
    /// The targets of <paramref name="output"/> (the teacher's value of the node's output, only
    /// the <see cref="TeacherChannels"/> the student kept), position for position with <see cref="Rows"/>: [batch, positions, outputs].
    /// </summary>
    public TorchTensor Targets(TorchTensor output)
    {
        if (TeacherChannels is not null) output = output.index_select(_opType == "Conv" ? 1 : -1, torch.tensor(TeacherChannels));
        return _opType == "Conv" ? output.reshape(output.shape[0], Outputs, -1).transpose(1, 2) : output.reshape(output.shape[0], -1, Outputs);
    }

    /// <summary>The shape the student's output must have, given the teacher's <paramref name="teacherShape"/>: the same, with only the kept channels.</summary>
    public long[] StudentShape(long[] teacherShape)
    {
        long[] shape = [.. teacherShape];
        if (TeacherChannels is not null) shape[_opType == "Conv" ? 1 : ^1] = TeacherChannels.Length;
        return shape;
    }

    /// <summary>The layer's current weights as M [columns, outputs] in float64.</summary>
    public TorchTensor Matrix(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters)
    {
        var w = parameters[Weight].detach().to_type(torch.ScalarType.Float64);
        var m = _opType == "Conv" ? w.reshape(Outputs, -1).t() : _transposedWeight ? w.t() : w;
        return Bias is null ? m.contiguous() : torch.cat([m, parameters[Bias].detach().to_type(torch.ScalarType.Float64).reshape(1, Outputs)], 0);
    }

    /// <summary>Writes <paramref name="matrix"/> (as <see cref="Matrix"/> lays it out) into the layer's parameters.</summary>
    public void Write(TorchTensor matrix, IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters)
    {
        using var _ = torch.no_grad();
        var weights = matrix.narrow(0, 0, InputWidth);
        var w = _opType == "Conv" ? weights.t().reshape(_weightDims) : _transposedWeight ? weights.t() : weights;
        parameters[Weight].copy_(w.to_type(parameters[Weight].dtype));
        if (Bias is not null) parameters[Bias].copy_(matrix.narrow(0, InputWidth, 1).reshape(_biasDims!).to_type(parameters[Bias].dtype));
    }
}
