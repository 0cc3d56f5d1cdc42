using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// Compares an ONNX Runtime output with an expected <see cref="TensorProto"/> the way ONNX's
/// backend test runner does (onnx/backend/test/runner, <c>assert_similar_outputs</c>):
/// floating-point values with numpy's <c>assert_allclose</c> rule
/// <c>|actual - expected| &lt;= atol + rtol * |expected|</c>, NaN equal to NaN and
/// infinities equal only to themselves; everything else exactly.
/// </summary>
internal static class OutputComparer
{
    /// <summary>The runner's default relative tolerance.</summary>
    public const double RelativeTolerance = 1e-3;

    /// <summary>The runner's default absolute tolerance.</summary>
    public const double AbsoluteTolerance = 1e-7;

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>; otherwise why not.</summary>
    public static string? Compare(OrtValue actual, TensorProto expected)
    {
        if (!actual.IsTensor) return $"output is a {actual.OnnxType}, expected a tensor";
        var info = actual.GetTensorTypeAndShape();
        var actualType = (ElementType)(int)info.ElementDataType;
        var expectedType = OrtTensorConverter.EffectiveType((ElementType)expected.DataType, actualType);
        if (actualType != expectedType) return $"element type {ElementTypes.OnnxName(actualType)}, expected {ElementTypes.OnnxName(expectedType)}";
        if (!info.Shape.SequenceEqual(expected.Dims)) return $"shape [{string.Join(",", info.Shape)}], expected [{string.Join(",", expected.Dims)}]";

        long count = Tensor.CountElements(expected.Dims);
        if (expectedType == ElementType.String)
        {
            string[] strings = actual.GetStringTensorAsArray();
            for (int i = 0; i < strings.Length; i++)
            {
                string wanted = Encoding.UTF8.GetString(expected.StringData[i].Span);
                if (!string.Equals(strings[i], wanted, StringComparison.Ordinal)) return $"element {i}: '{strings[i]}', expected '{wanted}'";
            }
            return null;
        }

        ReadOnlySpan<byte> actualBytes = actual.GetTensorMutableRawData();
        ReadOnlySpan<byte> expectedBytes = TensorDataCodec.ToRaw(expected, expectedType, count).Span;
        if (actualBytes.Length != expectedBytes.Length) return $"{actualBytes.Length} bytes of data, expected {expectedBytes.Length}";

        Func<ReadOnlySpan<byte>, int, double>? read = ReaderFor(expectedType);
        if (read is null)
        {
            // Integers and booleans: exact, as numpy's assert_equal would be for them.
            int width = ElementTypes.BitWidth(expectedType) / 8;
            for (int i = 0; i < count; i++)
            {
                if (!actualBytes.Slice(i * width, width).SequenceEqual(expectedBytes.Slice(i * width, width)))
                {
                    return $"element {i} differs (bytes {Convert.ToHexString(actualBytes.Slice(i * width, width))}, expected {Convert.ToHexString(expectedBytes.Slice(i * width, width))})";
                }
            }
            return null;
        }

        int mismatches = 0;
        string? first = null;
        for (int i = 0; i < count; i++)
        {
            double a = read(actualBytes, i);
            double e = read(expectedBytes, i);
            if (Close(a, e)) continue;
            mismatches++;
            first ??= string.Create(CultureInfo.InvariantCulture, $"element {i}: {a:R}, expected {e:R}");
        }
        return first is null ? null : $"{mismatches} of {count} elements outside rtol {RelativeTolerance}, atol {AbsoluteTolerance}; first {first}";
    }

    /// <summary>numpy's <c>isclose</c> with <c>equal_nan=True</c>.</summary>
    public static bool Close(double actual, double expected)
    {
        if (double.IsNaN(actual) || double.IsNaN(expected)) return double.IsNaN(actual) && double.IsNaN(expected);
        if (double.IsInfinity(actual) || double.IsInfinity(expected)) return actual == expected;
        return Math.Abs(actual - expected) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(expected);
    }

    private static Func<ReadOnlySpan<byte>, int, double>? ReaderFor(ElementType type) => type switch
    {
        ElementType.Float => static (bytes, i) => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
        ElementType.Double => static (bytes, i) => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
        ElementType.Float16 => static (bytes, i) => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
        // bfloat16 is the upper half of a float32.
        ElementType.BFloat16 => static (bytes, i) => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
        _ => null,
    };
}
