using System.Numerics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static.Rounding;

/// <summary>
/// The Gram matrix <c>H = Σ x·xᵀ</c> of the vectors a layer's weights multiply, over the
/// calibration samples: for a MatMul or Gemm the rows of its input (the last axis), for a 2-D
/// Conv the receptive-field patches of each output position (im2col), one matrix per group. It
/// weighs each weight's rounding error by how large and how correlated the inputs it multiplies
/// are, which is what <see cref="GptqRounding"/> minimizes. Positions are subsampled evenly so
/// that one sample costs at most <see cref="WorkPerSample"/> multiply-adds per layer, and the
/// samples after the first <see cref="WorkPerLayer"/> multiply-adds are not added: the cost stays
/// bounded however many calibration samples there are (their activation ranges still count).
/// </summary>
internal sealed class InputGram
{
    /// <summary>The multiply-adds one sample may cost one layer (≈0.3 s): the early layers of a 640×640 detector have 100,000 positions.</summary>
    public const long WorkPerSample = 1L << 28;

    /// <summary>The multiply-adds all samples together may cost one layer: eight samples at the per-sample bound.</summary>
    public const long WorkPerLayer = 1L << 31;

    private long _work;

    private readonly int _kernelHeight, _kernelWidth, _strideHeight, _strideWidth, _dilationHeight, _dilationWidth;
    private readonly int[] _pads;
    private readonly string _autoPad;
    private readonly bool _convolution;
    // Allocated on the first sample: a layer that is only looked at (too long, over the memory budget) costs nothing.
    private double[][]? _sums;

    private InputGram(int columns, int groups, bool convolution, int[] kernel, int[] strides, int[] pads, int[] dilations, string autoPad)
    {
        Columns = columns;
        Groups = groups;
        _convolution = convolution;
        (_kernelHeight, _kernelWidth) = (kernel[0], kernel[1]);
        (_strideHeight, _strideWidth) = (strides[0], strides[1]);
        (_dilationHeight, _dilationWidth) = (dilations[0], dilations[1]);
        _pads = pads;
        _autoPad = autoPad;
    }

    /// <summary>The length d of the vectors (a weight row's length): K for a MatMul, C/group·kH·kW for a Conv.</summary>
    public int Columns { get; }

    /// <summary>How many separate matrices: the Conv's groups (the channels of a depthwise Conv), 1 for a MatMul.</summary>
    public int Groups { get; }

    /// <summary>
    /// What decides the vectors taken from an input: two layers of equal geometry reading the same
    /// value (a transformer's Q, K and V) multiply the same vectors and can share one matrix.
    /// </summary>
    public GramGeometry Geometry => new(Columns, Groups, _convolution, _kernelHeight, _kernelWidth, _strideHeight, _strideWidth,
        _dilationHeight, _dilationWidth, string.Join(",", _pads), _autoPad);

    /// <summary>How many vectors were added.</summary>
    public long Positions { get; private set; }

    /// <summary>
    /// The accumulator for <paramref name="node"/>'s weight input, or null where the layer has no
    /// such form: a MatMul/Gemm reading a 2-D constant weight as B (Gemm without transA), or a 2-D
    /// Conv with a 4-D constant weight.
    /// </summary>
    public static InputGram? For(Node node, IReadOnlyList<long> weightDims)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node.OpType)
        {
            case "MatMul" when weightDims.Count == 2:
                return new InputGram((int)weightDims[0], 1, false, [1, 1], [1, 1], [0, 0, 0, 0], [1, 1], "NOTSET");
            case "Gemm" when weightDims.Count == 2 && (node.GetAttribute("transA")?.Int ?? 0) == 0:
                bool transB = (node.GetAttribute("transB")?.Int ?? 0) != 0;
                return new InputGram((int)weightDims[transB ? 1 : 0], 1, false, [1, 1], [1, 1], [0, 0, 0, 0], [1, 1], "NOTSET");
            case "Conv" when weightDims.Count == 4:
                int group = (int)(node.GetAttribute("group")?.Int ?? 1);
                int[] kernel = [(int)weightDims[2], (int)weightDims[3]];
                return new InputGram((int)(weightDims[1] * weightDims[2] * weightDims[3]), group, true, kernel,
                    Ints(node, "strides", [1, 1]), Ints(node, "pads", [0, 0, 0, 0]), Ints(node, "dilations", [1, 1]),
                    node.GetAttribute("auto_pad")?.String ?? "NOTSET");
            default:
                return null;
        }
    }

    /// <summary>Group <paramref name="group"/>'s matrix, row-major d × d (only the upper triangle is filled).</summary>
    public ReadOnlySpan<double> Matrix(int group) => Sums()[group];

    /// <summary>Adds one sample's input (NCHW for a Conv, [..., K] for a MatMul).</summary>
    public void Add(ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        if (_work >= WorkPerLayer) return;
        Sums();
        long before = Positions;
        if (_convolution) AddPatches(values, dims);
        else AddRows(values, dims);
        _work += (Positions - before) * Groups * Columns * (long)Columns;
    }

    private void AddRows(ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        if (dims.Count < 1 || dims[^1] != Columns) return;
        long rows = values.Length / Columns;
        long step = Step(rows);
        var x = new double[Columns];
        for (long r = 0; r < rows; r += step)
        {
            var row = values.Slice((int)(r * Columns), Columns);
            for (int j = 0; j < Columns; j++) x[j] = row[j];
            Accumulate(_sums![0], x);
            Positions++;
        }
    }

    private void AddPatches(ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        if (dims.Count != 4) return;
        int batch = (int)dims[0], channels = (int)dims[1], height = (int)dims[2], width = (int)dims[3];
        int perGroup = Columns / (_kernelHeight * _kernelWidth);
        if (perGroup * Groups != channels) return;
        var (outHeight, padTop) = OutputSize(height, _kernelHeight, _strideHeight, _dilationHeight, _pads[0], _pads[2]);
        var (outWidth, padLeft) = OutputSize(width, _kernelWidth, _strideWidth, _dilationWidth, _pads[1], _pads[3]);
        long positions = (long)batch * outHeight * outWidth;
        long step = Step(positions);
        var x = new double[Columns];
        for (long p = 0; p < positions; p += step)
        {
            int n = (int)(p / ((long)outHeight * outWidth));
            int oy = (int)(p / outWidth % outHeight), ox = (int)(p % outWidth);
            for (int g = 0; g < Groups; g++)
            {
                int j = 0;
                for (int c = g * perGroup; c < (g + 1) * perGroup; c++)
                {
                    long plane = ((long)n * channels + c) * height * width;
                    for (int ky = 0; ky < _kernelHeight; ky++)
                    {
                        int iy = (oy * _strideHeight) - padTop + (ky * _dilationHeight);
                        for (int kx = 0; kx < _kernelWidth; kx++, j++)
                        {
                            int ix = (ox * _strideWidth) - padLeft + (kx * _dilationWidth);
                            x[j] = iy >= 0 && iy < height && ix >= 0 && ix < width ? values[(int)(plane + ((long)iy * width) + ix)] : 0;
                        }
                    }
                }
                Accumulate(_sums![g], x);
            }
            Positions++;
        }
    }

    private double[][] Sums() => _sums ??= [.. Enumerable.Range(0, Groups).Select(_ => new double[Columns * Columns])];

    /// <summary>Every position, or an even subsample within <see cref="WorkPerSample"/> (at least 64 positions).</summary>
    private long Step(long positions)
    {
        long affordable = Math.Max(64, WorkPerSample / ((long)Groups * Columns * Columns));
        return Math.Max(1, (positions + affordable - 1) / affordable);
    }

    /// <summary>The output size along one axis and the padding before it (explicit pads, or auto_pad's).</summary>
    private (int Size, int PadBefore) OutputSize(int input, int kernel, int stride, int dilation, int padBefore, int padAfter)
    {
        int span = ((kernel - 1) * dilation) + 1;
        switch (_autoPad)
        {
            case "SAME_UPPER" or "SAME_LOWER":
                int size = (input + stride - 1) / stride;
                int total = Math.Max(0, ((size - 1) * stride) + span - input);
                return (size, _autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2));
            case "VALID":
                return (((input - span) / stride) + 1, 0);
            default:
                return (((input + padBefore + padAfter - span) / stride) + 1, padBefore);
        }
    }

    /// <summary>H += x·xᵀ on the upper triangle, a row at a time (contiguous, so it vectorizes).</summary>
    private void Accumulate(double[] sums, double[] x)
    {
        int d = Columns, width = Vector<double>.Count;
        for (int i = 0; i < d; i++)
        {
            double xi = x[i];
            if (xi == 0) continue;
            var row = sums.AsSpan(i * d, d);
            int k = i;
            var factor = new Vector<double>(xi);
            for (; k <= d - width; k += width)
            {
                (new Vector<double>(row[k..]) + (factor * new Vector<double>(x.AsSpan(k)))).CopyTo(row[k..]);
            }
            for (; k < d; k++) row[k] += xi * x[k];
        }
    }

    private static int[] Ints(Node node, string name, int[] fallback)
        => node.GetAttribute(name) is { } attribute && attribute.Ints.Count == fallback.Length ? [.. attribute.Ints.Select(v => (int)v)] : fallback;
}

/// <summary>The geometry of an <see cref="InputGram"/> (see <see cref="InputGram.Geometry"/>); equal geometries take equal vectors.</summary>
internal readonly record struct GramGeometry(int Columns, int Groups, bool Convolution, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int DilationHeight, int DilationWidth, string Pads, string AutoPad);
