using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Folds pairs of tensors (the original model's value, the optimized model's value) into running
/// sums, one sample at a time, so that no activation is kept: dot product and squared norms for
/// the cosine similarity, the largest and the summed absolute difference, and row-wise argmax
/// agreement for classification-shaped outputs. All sums are in double.
/// </summary>
/// <remarks>
/// Non-finite elements: where both models give the same value (both NaN, or the same infinity),
/// the element counts as equal and stays out of the sums; where they differ, the metrics become
/// cosine NaN and errors +∞, which fail any gate that is switched on.
/// </remarks>
internal sealed class ErrorAccumulator
{
    private double _dot, _normA, _normB, _sumAbs, _maxAbs;
    private long _rows, _agreeingRows;
    private bool _nonFiniteMismatch;
    private bool _classification = true;

    /// <summary>Elements compared so far.</summary>
    public long Elements { get; private set; }

    /// <summary>The cosine similarity of everything added, as one long vector (1 when both are all zero, 0 when only one is).</summary>
    public double Cosine
    {
        get
        {
            if (_nonFiniteMismatch) return double.NaN;
            if (_normA == 0 && _normB == 0) return 1;
            if (_normA == 0 || _normB == 0) return 0;
            return Math.Clamp(_dot / (Math.Sqrt(_normA) * Math.Sqrt(_normB)), -1, 1);
        }
    }

    /// <summary>The largest |a - b|.</summary>
    public double MaxAbsoluteError => _nonFiniteMismatch ? double.PositiveInfinity : _maxAbs;

    /// <summary>The mean |a - b| over all elements.</summary>
    public double MeanAbsoluteError => _nonFiniteMismatch ? double.PositiveInfinity : Elements == 0 ? 0 : _sumAbs / Elements;

    /// <summary>The fraction of rows whose argmax agrees, or null unless every added pair was classification-shaped.</summary>
    public double? TopOneAgreement => _classification && _rows > 0 ? (double)_agreeingRows / _rows : null;

    /// <summary>Adds everything <paramref name="other"/> has added, as if its pairs had been added here (per-sample sums folded into the whole set's).</summary>
    public void Add(ErrorAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _dot += other._dot;
        _normA += other._normA;
        _normB += other._normB;
        _sumAbs += other._sumAbs;
        _maxAbs = Math.Max(_maxAbs, other._maxAbs);
        _rows += other._rows;
        _agreeingRows += other._agreeingRows;
        _nonFiniteMismatch |= other._nonFiniteMismatch;
        _classification &= other._classification;
        Elements += other.Elements;
    }

    /// <summary>
    /// Whether a value of <paramref name="shape"/> and <paramref name="type"/> is a classifier's
    /// scores: a float tensor whose shape, without trailing 1s, is [N, C] with C &gt; 1
    /// (e.g. [1, 1000] or [8, 10, 1, 1]). Returns C, or 0 when not.
    /// </summary>
    public static long ClassCount(TensorElementType type, IReadOnlyList<long> shape)
    {
        if (!IsFloat(type)) return 0;
        int rank = shape.Count;
        while (rank > 0 && shape[rank - 1] == 1) rank--;
        return rank == 2 && shape[1] > 1 ? shape[1] : 0;
    }

    /// <summary>FLOAT, DOUBLE or FLOAT16.</summary>
    public static bool IsFloat(TensorElementType type) => type is TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16;

    /// <summary>Whether values of this type can be compared (numbers and bools).</summary>
    public static bool IsComparable(TensorElementType type) => IsFloat(type) || type is TensorElementType.Int8 or TensorElementType.UInt8
        or TensorElementType.Int16 or TensorElementType.UInt16 or TensorElementType.Int32 or TensorElementType.UInt32
        or TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Bool;

    /// <summary>
    /// Adds one pair; returns null, or why the pair cannot be compared (different shapes, a type
    /// that is not a number), in which case nothing was added.
    /// </summary>
    /// <param name="a">The original model's value.</param>
    /// <param name="b">The optimized model's value.</param>
    /// <param name="withTopOne">Whether to count argmax agreement when the value is classification-shaped.</param>
    public string? TryAdd(OrtValue a, OrtValue b, bool withTopOne = true)
    {
        var infoA = a.GetTensorTypeAndShape();
        var infoB = b.GetTensorTypeAndShape();
        long[] shapeA = infoA.Shape, shapeB = infoB.Shape;
        if (!shapeA.SequenceEqual(shapeB)) return $"shapes differ: [{string.Join(",", shapeA)}] in the original, [{string.Join(",", shapeB)}] in the optimized model";
        TensorElementType typeA = infoA.ElementDataType, typeB = infoB.ElementDataType;
        if (!IsComparable(typeA) || !IsComparable(typeB)) return $"element type {(IsComparable(typeA) ? typeB : typeA)} is not a number";

        // Argmax agreement only makes sense where both are scores; an integer output is compared as numbers only.
        long classes = withTopOne && IsFloat(typeB) ? ClassCount(typeA, shapeA) : 0;
        if (classes == 0) _classification = false;

        if (typeA == typeB)
        {
            // The common case, in the stored type (no copy).
            switch (typeA)
            {
                case TensorElementType.Float: Add(Span<float>(a), Span<float>(b), classes); break;
                case TensorElementType.Double: Add(Span<double>(a), Span<double>(b), classes); break;
                case TensorElementType.Float16: Add(Span<Half>(a), Span<Half>(b), classes); break;
                default: Add(ToDoubles(a, typeA), ToDoubles(b, typeB), classes); break;
            }
        }
        else
        {
            // Different types (a float16 model keeping float outputs does not, but a partial conversion may): compare in double.
            Add(ToDoubles(a, typeA), ToDoubles(b, typeB), classes);
        }
        return null;
    }

    private void Add<TA, TB>(ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, long classes)
        where TA : unmanaged, INumberBase<TA>
        where TB : unmanaged, INumberBase<TB>
    {
        double dot = 0, normA = 0, normB = 0, sumAbs = 0, maxAbs = _maxAbs;
        for (int i = 0; i < a.Length; i++)
        {
            double x = double.CreateTruncating(a[i]), y = double.CreateTruncating(b[i]);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                if (!x.Equals(y)) _nonFiniteMismatch = true;
                continue;
            }
            double diff = Math.Abs(x - y);
            dot += x * y;
            normA += x * x;
            normB += y * y;
            sumAbs += diff;
            if (diff > maxAbs) maxAbs = diff;
        }
        _dot += dot;
        _normA += normA;
        _normB += normB;
        _sumAbs += sumAbs;
        _maxAbs = maxAbs;
        Elements += a.Length;

        if (classes == 0) return;
        int c = checked((int)classes);
        for (int row = 0; row + c <= a.Length; row += c)
        {
            _rows++;
            if (ArgMax(a.Slice(row, c)) == ArgMax(b.Slice(row, c))) _agreeingRows++;
        }
    }

    /// <summary>The first index of the largest value (NaN never wins).</summary>
    private static int ArgMax<T>(ReadOnlySpan<T> row) where T : unmanaged, INumberBase<T>
    {
        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int i = 0; i < row.Length; i++)
        {
            double v = double.CreateTruncating(row[i]);
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    private static ReadOnlySpan<T> Span<T>(OrtValue value) where T : unmanaged
        => MemoryMarshal.Cast<byte, T>(value.GetTensorMutableRawData()); // raw bytes: no check that T is the stored type, the caller switched on it

    /// <summary>A copy in double, for pairs of different types.</summary>
    private static ReadOnlySpan<double> ToDoubles(OrtValue value, TensorElementType type) => type switch
    {
        TensorElementType.Float => Widen(Span<float>(value)),
        TensorElementType.Double => Span<double>(value),
        TensorElementType.Float16 => Widen(Span<Half>(value)),
        TensorElementType.Int8 => Widen(Span<sbyte>(value)),
        TensorElementType.UInt8 or TensorElementType.Bool => Widen(Span<byte>(value)),
        TensorElementType.Int16 => Widen(Span<short>(value)),
        TensorElementType.UInt16 => Widen(Span<ushort>(value)),
        TensorElementType.Int32 => Widen(Span<int>(value)),
        TensorElementType.UInt32 => Widen(Span<uint>(value)),
        TensorElementType.Int64 => Widen(Span<long>(value)),
        TensorElementType.UInt64 => Widen(Span<ulong>(value)),
        _ => throw new InvalidOperationException($"element type {type} is not comparable"),
    };

    private static double[] Widen<T>(ReadOnlySpan<T> values) where T : unmanaged, INumberBase<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = double.CreateTruncating(values[i]);
        return result;
    }
}
