using System.Globalization;
using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// Writes the IR back to ONNX files. Output is deterministic (same IR, same options, same
/// bytes) and atomic: the model and its data file are written to temporary files in the
/// destination folder and renamed into place, so a crash or cancellation never leaves a
/// half-written model behind.
/// </summary>
public static class OnnxModelWriter
{
    // Tensors of at least this size are page-aligned in the data file so runtimes can map them.
    private const long PageAlignThreshold = 64 * 1024;
    private const int PageSize = 4096;
    private const int SmallAlignment = 64;

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> (and its data file, when external data is used).</summary>
    public static void Save(OnnxModel model, string path, ModelSaveOptions? options = null)
    {
        options ??= ModelSaveOptions.Default;
        string fullPath = UserPath.GetFullPath(path, DiagnosticCode.CannotWriteModel, "output");
        string directory = Path.GetDirectoryName(fullPath)!;

        bool external = UseExternalData(model, options);
        string dataFileName = options.ExternalDataFileName ?? Path.GetFileName(fullPath) + ".data";
        if (!external && InlineBytes(model) >= int.MaxValue)
        {
            throw new ModelOptException(DiagnosticCode.CannotWriteModel, fullPath,
                "the model's tensors exceed the 2 GB limit of a protobuf file. Save with external data (ExternalDataMode.Always or Auto).");
        }

        string modelTemp = AtomicFile.TemporaryPathFor(fullPath);
        string dataPath = external ? DataFilePath(fullPath, directory, dataFileName) : fullPath + ".data";
        string dataTemp = AtomicFile.TemporaryPathFor(dataPath);
        try
        {
            Directory.CreateDirectory(directory);
            // Checked before anything is written: once the data file is renamed into place,
            // a model file that cannot follow would leave a mismatched pair behind.
            string? inTheWay = Directory.Exists(fullPath) ? fullPath : external && Directory.Exists(dataPath) ? dataPath : null;
            if (inTheWay is not null)
            {
                throw new ModelOptException(DiagnosticCode.CannotWriteModel, fullPath,
                    $"the model cannot be written: '{inTheWay}' is a folder. Remove it or choose another output path.");
            }

            ModelProto proto;
            if (external)
            {
                using var dataStream = new FileStream(dataTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                var converter = new ProtoConverter(new ExternalDataSink(dataStream, dataFileName, options.ExternalDataThreshold));
                proto = converter.ToProto(model);
            }
            else
            {
                proto = new ProtoConverter(null).ToProto(model);
            }

            using (var modelStream = new FileStream(modelTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                proto.WriteTo(modelStream);
            }
            if (external) File.Move(dataTemp, dataPath, overwrite: true);
            File.Move(modelTemp, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.CannotWriteModel, fullPath, $"the model cannot be written: {e.Message}", e);
        }
        finally
        {
            DeleteIfPresent(modelTemp);
            DeleteIfPresent(dataTemp);
        }
    }

    /// <summary>
    /// Where the data file goes. The reader only accepts locations inside the model's folder
    /// (ExternalDataStore), so a name that would leave it is refused here rather than
    /// producing a model that cannot be loaded again. Both separators count, as in the reader.
    /// </summary>
    private static string DataFilePath(string modelPath, string directory, string dataFileName)
    {
        string[] segments = dataFileName.Split('/', '\\');
        if (dataFileName.Length == 0 || Path.IsPathRooted(dataFileName) || dataFileName.StartsWith('/') || dataFileName.StartsWith('\\')
            || dataFileName.Contains(':', StringComparison.Ordinal) || dataFileName.Contains('\0', StringComparison.Ordinal)
            || segments.Any(segment => segment == "..") || segments[^1].Length == 0 || segments[^1] == ".")
        {
            throw new ModelOptException(DiagnosticCode.InvalidArgument, modelPath,
                $"ExternalDataFileName '{UserPath.Printable(dataFileName)}' is rejected: the data file must be a file inside the model's folder (a relative path without '..'), or the saved model could not be loaded again.");
        }
        return Path.Combine([directory, .. segments.Where(segment => segment.Length > 0 && segment != ".")]);
    }

    // The temporary file may never have been created, or its folder may not exist (the failure
    // being reported); cleaning up must not replace that error with another one.
    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The model as one protobuf message with all data inline (for hashing, tests and small models).</summary>
    public static ModelProto ToProto(OnnxModel model) => new ProtoConverter(null).ToProto(model);

    /// <summary>The model's bytes with all data inline.</summary>
    public static byte[] ToBytes(OnnxModel model) => ToProto(model).ToByteArray();

    /// <summary>
    /// The model as protobuf for <see cref="OnnxModel.Clone"/>: every message is a new one, but
    /// tensor bytes are shared (inline data by its immutable <see cref="ByteString"/>, external
    /// data by its reference, which the clone resolves through the same store).
    /// </summary>
    internal static ModelProto ToProtoSharingData(OnnxModel model) => new ProtoConverter(null, forClone: true).ToProto(model);

    private static bool UseExternalData(OnnxModel model, ModelSaveOptions options) => options.ExternalData switch
    {
        ExternalDataMode.Always => true,
        ExternalDataMode.Never => false,
        _ => AllTensors(model).Any(t => t.IsExternal) || InlineBytes(model) > options.AutoExternalAboveBytes,
    };

    private static long InlineBytes(OnnxModel model) => AllTensors(model).Sum(t => t.ByteLength);

    /// <summary>Every tensor of the model in a fixed order (graph by graph, initializers then attributes).</summary>
    internal static IEnumerable<Tensor> AllTensors(OnnxModel model)
    {
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var value in graph.Initializers) yield return value.Initializer!;
            foreach (var value in graph.SparseInitializers)
            {
                yield return value.SparseInitializer!.Values;
                yield return value.SparseInitializer.Indices;
            }
            foreach (var node in graph.Nodes)
            {
                foreach (var attribute in node.Attributes)
                {
                    if (attribute.Tensor is not null) yield return attribute.Tensor;
                    foreach (var tensor in attribute.Tensors) yield return tensor;
                    if (attribute.SparseTensor is not null)
                    {
                        yield return attribute.SparseTensor.Values;
                        yield return attribute.SparseTensor.Indices;
                    }
                    foreach (var sparse in attribute.SparseTensors)
                    {
                        yield return sparse.Values;
                        yield return sparse.Indices;
                    }
                }
            }
        }
    }

    /// <summary>Appends tensor bytes to the data file being written, aligned, and returns the header that points at them.</summary>
    private sealed class ExternalDataSink(Stream stream, string location, long threshold)
    {
        public TensorProto? TryWrite(Tensor tensor)
        {
            if (!ElementTypes.HasRawForm(tensor.ElementType) || tensor.Proto.Segment is not null || tensor.ByteLength < threshold)
            {
                return null;
            }
            long alignment = tensor.ByteLength >= PageAlignThreshold ? PageSize : SmallAlignment;
            long padding = (alignment - stream.Position % alignment) % alignment;
            if (padding > 0) stream.Write(new byte[padding]);
            long offset = stream.Position;
            tensor.CopyRawDataTo(stream);

            var header = tensor.Proto.CloneHeader();
            header.DataLocation = TensorProto.Types.DataLocation.External;
            header.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            header.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            header.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.ByteLength.ToString(CultureInfo.InvariantCulture) });
            return header;
        }
    }

    /// <summary>IR to protobuf. Residual messages are cloned (they are small: the modelled fields were detached).</summary>
    private sealed class ProtoConverter(ExternalDataSink? sink, bool forClone = false)
    {
        public ModelProto ToProto(OnnxModel model)
        {
            var proto = model.Residual.Clone();
            proto.Graph = Graph(model.Graph);
            return proto;
        }

        private GraphProto Graph(Graph graph)
        {
            var proto = graph.Residual.Clone();
            foreach (var value in graph.Inputs) proto.Input.Add(ValueInfo(value));
            foreach (var value in graph.Initializers) proto.Initializer.Add(Tensor(value.Initializer!));
            foreach (var value in graph.SparseInitializers) proto.SparseInitializer.Add(Sparse(value.SparseInitializer!));
            foreach (var node in graph.Nodes) proto.Node.Add(Node(node));
            foreach (var value in graph.Outputs) proto.Output.Add(ValueInfo(value, graph.OutputDeclarations));
            foreach (var value in graph.ValueInfos) proto.ValueInfo.Add(ValueInfo(value, graph.ValueInfoDeclarations));
            return proto;
        }

        private static ValueInfoProto ValueInfo(Value value, IReadOnlyDictionary<Value, Graph.Declaration>? declarations = null)
        {
            var source = declarations is not null && declarations.TryGetValue(value, out var declared) && Equals(value.Info, declared.InfoWhenRead)
                ? declared.Proto
                : value.Info;
            var proto = source?.Clone() ?? new ValueInfoProto();
            proto.Name = value.Name;
            return proto;
        }

        private NodeProto Node(Node node)
        {
            var proto = node.Residual.Clone();
            foreach (var input in node.Inputs) proto.Input.Add(input?.Name ?? "");
            foreach (var output in node.Outputs) proto.Output.Add(output?.Name ?? "");
            foreach (var attribute in node.Attributes) proto.Attribute.Add(Attribute(attribute));
            return proto;
        }

        private AttributeProto Attribute(NodeAttribute attribute)
        {
            var proto = attribute.Residual.Clone();
            if (attribute.Tensor is not null) proto.T = Tensor(attribute.Tensor);
            if (attribute.Graph is not null) proto.G = Graph(attribute.Graph);
            if (attribute.SparseTensor is not null) proto.SparseTensor = Sparse(attribute.SparseTensor);
            foreach (var tensor in attribute.Tensors) proto.Tensors.Add(Tensor(tensor));
            foreach (var graph in attribute.Graphs) proto.Graphs.Add(Graph(graph));
            foreach (var sparse in attribute.SparseTensors) proto.SparseTensors.Add(Sparse(sparse));
            return proto;
        }

        private SparseTensorProto Sparse(SparseTensor sparse)
        {
            var proto = sparse.Residual.Clone();
            proto.Values = Tensor(sparse.Values);
            proto.Indices = Tensor(sparse.Indices);
            return proto;
        }

        private TensorProto Tensor(Tensor tensor)
        {
            if (sink?.TryWrite(tensor) is { } externalHeader) return externalHeader;
            // A clone gets its own message (names can change), over the same immutable bytes.
            if (forClone) return tensor.Proto.Clone();
            if (!tensor.IsExternal) return tensor.Proto;

            // External in the source, inline in the output: bring the bytes in.
            var header = tensor.Proto.CloneHeader();
            header.RawData = ByteString.CopyFrom(tensor.GetRawData().Span);
            return header;
        }
    }
}
