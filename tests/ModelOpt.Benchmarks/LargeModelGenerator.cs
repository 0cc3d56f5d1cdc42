using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Writes a multi-gigabyte model with external data: float weights of 256 MiB each, added one
/// after the other to the input (<c>y0 = x + w0, y1 = y0 + w1, …</c>). The data file is streamed
/// from a small buffer and the small .onnx is written as protobuf directly, so generating the
/// model never holds it in memory (the IR's writer would copy the data file once more).
/// </summary>
internal static class LargeModelGenerator
{
    public const long TensorBytes = 256 * Units.MebiByte;
    private const long Side = 8192; // 8192 x 8192 floats = 256 MiB
    private const int ChunkBytes = 1 << 20;

    /// <summary>The generated model: its .onnx path and the size of its data file.</summary>
    public sealed record Generated(string ModelPath, string DataPath, int TensorCount, long DataBytes);

    public static Generated Create(string folder, int tensorCount)
    {
        Directory.CreateDirectory(folder);
        string modelPath = Path.Combine(folder, "large.onnx");
        const string dataFileName = "large.onnx.data";
        string dataPath = Path.Combine(folder, dataFileName);

        WriteData(dataPath, tensorCount * TensorBytes);

        var graph = new GraphProto { Name = "large" };
        graph.Input.Add(FloatInfo("x"));
        string previous = "x";
        for (int i = 0; i < tensorCount; i++)
        {
            string weight = Name("w", i);
            var tensor = new TensorProto { Name = weight, DataType = (int)ElementType.Float, DataLocation = TensorProto.Types.DataLocation.External };
            tensor.Dims.Add([Side, Side]);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataFileName });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = (i * TensorBytes).ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = TensorBytes.ToString(CultureInfo.InvariantCulture) });
            graph.Initializer.Add(tensor);

            string output = Name("y", i);
            graph.Node.Add(new NodeProto { Name = Name("add", i), OpType = "Add", Input = { previous, weight }, Output = { output } });
            previous = output;
        }
        graph.Output.Add(FloatInfo(previous));

        var model = new ModelProto { IrVersion = 8, ProducerName = "ModelOpt.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        using (var stream = new FileStream(modelPath, FileMode.CreateNew, FileAccess.Write))
        {
            model.WriteTo(stream);
        }
        return new Generated(modelPath, dataPath, tensorCount, tensorCount * TensorBytes);
    }

    // Every 8-byte word differs (a SplitMix64 sequence), so a tensor copied from the wrong offset cannot compare equal.
    private static void WriteData(string path, long length)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            var words = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, ChunkBytes));
            ulong index = 0;
            for (long written = 0; written < length; written += ChunkBytes)
            {
                for (int i = 0; i < words.Length; i++) words[i] = SplitMix64(index++);
                stream.Write(buffer, 0, (int)Math.Min(ChunkBytes, length - written));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static ValueInfoProto FloatInfo(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Side });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Side });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = shape } },
        };
    }

    private static string Name(string prefix, int index) => prefix + index.ToString(CultureInfo.InvariantCulture);
}
