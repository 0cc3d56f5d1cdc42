using System.Globalization;
using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// Reads an ONNX file into the IR. Tensor data is not copied: inline data stays in the
/// parsed protobuf, external data is validated and memory-mapped when first read. Every
/// problem with the input becomes a <see cref="ModelOptException"/> that names the file and
/// the tensor or node; nothing else escapes for any input bytes.
/// </summary>
public static class OnnxModelReader
{
    /// <summary>Loads the model at <paramref name="path"/>.</summary>
    public static OnnxModel Load(string path, ModelLoadOptions? options = null)
    {
        string fullPath = UserPath.GetFullPath(path, DiagnosticCode.FileNotReadable, "model");
        ModelProto proto = ParseFile(fullPath);
        var store = new ExternalDataStore(Path.GetDirectoryName(fullPath)!);
        try
        {
            return new Builder(fullPath, store, options ?? ModelLoadOptions.Default, ownsStore: true).Build(proto);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The IR of <paramref name="proto"/> (consumed), whose external tensors read through
    /// <paramref name="store"/>; the model disposes the store only when it <paramref name="ownsStore"/>.
    /// </summary>
    internal static OnnxModel FromProto(ModelProto proto, string? sourcePath, ExternalDataStore? store, bool ownsStore)
        => new Builder(sourcePath, store, ModelLoadOptions.Default, ownsStore).Build(proto);

    /// <summary>Parses the protobuf only, with the same checks and errors as <see cref="Load"/>.</summary>
    public static ModelProto ParseFile(string fullPath)
    {
        fullPath = UserPath.GetFullPath(fullPath, DiagnosticCode.FileNotReadable, "model");
        try
        {
            using var file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(file);
            if (length >= int.MaxValue)
            {
                throw new ModelOptException(DiagnosticCode.InvalidProtobuf, fullPath,
                    $"the file is {length} bytes; a protobuf message cannot exceed 2 GB. Store the weights as external data (a .data file beside the model).");
            }
            // Parsed from a sequence, not a stream: see FileWindowSequence for the memory and time
            // this saves. Protobuf's default nesting limit (100 levels) applies; a subgraph costs
            // three levels (attribute, graph, node), so it stays above the default subgraph limit.
            var proto = ModelProto.Parser.ParseFrom(FileWindowSequence.Create(file, length));
            if (proto.Graph is null)
            {
                throw new ModelOptException(DiagnosticCode.InvalidProtobuf, fullPath,
                    "the file parses but holds no graph; it is not an ONNX model.");
            }
            return proto;
        }
        catch (InvalidProtocolBufferException e)
        {
            string why = e.Message.Contains("recursion", StringComparison.OrdinalIgnoreCase)
                ? "its messages are nested too deeply"
                : "it is truncated or corrupt";
            throw new ModelOptException(DiagnosticCode.InvalidProtobuf, fullPath,
                $"not a valid ONNX model: {why} ({e.Message}). Re-export or re-download the model.", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, fullPath, "the model file does not exist. Check the path.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, fullPath, $"the model file cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Turns a parsed <see cref="ModelProto"/> into the IR, validating as it goes.</summary>
    private sealed class Builder(string? modelPath, ExternalDataStore? store, ModelLoadOptions options, bool ownsStore)
    {
        public OnnxModel Build(ModelProto proto)
        {
            GraphProto graphProto = proto.Graph;
            proto.Graph = null;
            var graph = BuildGraph(graphProto, parent: null, parentScope: null, depth: 0, owner: "the main graph");
            return new OnnxModel(proto, graph, modelPath, store, ownsStore);
        }

        private Graph BuildGraph(GraphProto proto, Graph? parent, Scope? parentScope, int depth, string owner)
        {
            if (depth > options.MaxSubgraphDepth)
            {
                throw new ModelOptException(DiagnosticCode.SubgraphTooDeep, modelPath,
                    $"graph '{proto.Name}' ({owner}) is nested {depth} subgraphs deep; the limit is {options.MaxSubgraphDepth}. Such nesting is a sign of a corrupt or hostile model.");
            }

            // Detach the modelled fields; what remains (name, doc, annotations, unknown fields) is the residual.
            var nodes = proto.Node.ToArray(); proto.Node.Clear();
            var initializers = proto.Initializer.ToArray(); proto.Initializer.Clear();
            var sparse = proto.SparseInitializer.ToArray(); proto.SparseInitializer.Clear();
            var inputs = proto.Input.ToArray(); proto.Input.Clear();
            var outputs = proto.Output.ToArray(); proto.Output.Clear();
            var valueInfos = proto.ValueInfo.ToArray(); proto.ValueInfo.Clear();

            var graph = new Graph(proto, parent);
            var scope = new Scope(parentScope);

            foreach (var info in inputs)
            {
                var value = scope.DefineOrGet(info.Name);
                value.Info ??= info;
                graph.Inputs.Add(value);
            }
            foreach (var tensorProto in initializers)
            {
                var value = scope.DefineOrGet(tensorProto.Name);
                if (value.Initializer is not null || value.SparseInitializer is not null) throw Duplicate(graph, tensorProto.Name, "initializer");
                value.Initializer = BuildTensor(tensorProto, "initializer");
                graph.Initializers.Add(value);
            }
            foreach (var sparseProto in sparse)
            {
                var sparseTensor = BuildSparseTensor(sparseProto, "sparse initializer");
                var value = scope.DefineOrGet(sparseTensor.Values.Name);
                if (value.Initializer is not null || value.SparseInitializer is not null) throw Duplicate(graph, sparseTensor.Values.Name, "initializer");
                value.SparseInitializer = sparseTensor;
                graph.SparseInitializers.Add(value);
            }

            // Outputs first, inputs second: a valid model is topologically sorted, but this way
            // a model that is not still loads (and round-trips) instead of being rejected here.
            var built = new List<(Node Node, NodeProto Proto)>(nodes.Length);
            foreach (var nodeProto in nodes)
            {
                var outputNames = nodeProto.Output.ToArray(); nodeProto.Output.Clear();
                var node = new Node(nodeProto);
                foreach (string name in outputNames)
                {
                    if (name.Length == 0)
                    {
                        node.AddOutput(null);
                        continue;
                    }
                    var value = scope.DefineLocal(name);
                    if (value is null) throw Duplicate(graph, name, $"output of {node}");
                    node.AddOutput(value);
                }
                graph.AddNode(node);
                built.Add((node, nodeProto));
            }
            foreach (var (node, nodeProto) in built)
            {
                var inputNames = nodeProto.Input.ToArray(); nodeProto.Input.Clear();
                var attributes = nodeProto.Attribute.ToArray(); nodeProto.Attribute.Clear();
                foreach (string name in inputNames) node.AddInput(name.Length == 0 ? null : scope.Resolve(name));
                foreach (var attributeProto in attributes) node.Attributes.Add(BuildAttribute(attributeProto, node, graph, scope, depth));
            }

            foreach (var info in outputs)
            {
                var value = scope.Resolve(info.Name);
                graph.RecordDeclaration(graph.OutputDeclarations, value, info);
                graph.Outputs.Add(value);
            }
            foreach (var info in valueInfos)
            {
                var value = scope.Resolve(info.Name);
                graph.RecordDeclaration(graph.ValueInfoDeclarations, value, info);
                graph.ValueInfos.Add(value);
            }
            return graph;
        }

        private NodeAttribute BuildAttribute(AttributeProto proto, Node node, Graph graph, Scope scope, int depth)
        {
            var t = proto.T; proto.T = null;
            var g = proto.G; proto.G = null;
            var sparseTensor = proto.SparseTensor; proto.SparseTensor = null;
            var tensors = proto.Tensors.ToArray(); proto.Tensors.Clear();
            var graphs = proto.Graphs.ToArray(); proto.Graphs.Clear();
            var sparseTensors = proto.SparseTensors.ToArray(); proto.SparseTensors.Clear();

            string context = $"attribute '{proto.Name}' of {node}";
            var attribute = new NodeAttribute(proto);
            if (t is not null) attribute.Tensor = BuildTensor(t, context);
            if (g is not null) attribute.Graph = BuildGraph(g, graph, scope, depth + 1, context);
            if (sparseTensor is not null) attribute.SparseTensor = BuildSparseTensor(sparseTensor, context);
            foreach (var item in tensors) attribute.Tensors.Add(BuildTensor(item, context));
            foreach (var item in graphs) attribute.Graphs.Add(BuildGraph(item, graph, scope, depth + 1, context));
            foreach (var item in sparseTensors) attribute.SparseTensors.Add(BuildSparseTensor(item, context));
            return attribute;
        }

        private SparseTensor BuildSparseTensor(SparseTensorProto proto, string context)
        {
            var values = proto.Values ?? new TensorProto();
            var indices = proto.Indices ?? new TensorProto();
            proto.Values = null;
            proto.Indices = null;
            foreach (long d in proto.Dims)
            {
                if (d < 0) throw new ModelOptException(DiagnosticCode.InvalidTensorShape, modelPath, $"sparse tensor '{values.Name}' ({context}) has a negative dimension {d}.");
            }
            return new SparseTensor(proto, BuildTensor(values, context), BuildTensor(indices, context));
        }

        private Tensor BuildTensor(TensorProto proto, string context)
        {
            string name = proto.Name.Length == 0 ? $"<unnamed {context}>" : $"'{proto.Name}' ({context})";
            long elements = 1;
            foreach (long d in proto.Dims)
            {
                if (d < 0)
                {
                    throw new ModelOptException(DiagnosticCode.InvalidTensorShape, modelPath, $"tensor {name} has a negative dimension {d} in shape [{string.Join(",", proto.Dims)}].");
                }
                if (d != 0 && elements > options.MaxTensorElements / d)
                {
                    throw new ModelOptException(DiagnosticCode.InvalidTensorShape, modelPath,
                        $"tensor {name} declares shape [{string.Join(",", proto.Dims)}], more than the limit of {options.MaxTensorElements} elements (or an overflow). The model is corrupt.");
                }
                elements *= d;
            }
            if (proto.Dims.Contains(0)) elements = 0;

            var type = (ElementType)proto.DataType;
            bool knownType = Enum.IsDefined(type) && type != ElementType.Undefined;
            // MaxTensorElements is an option; with a large one the size in bytes (up to 16 per
            // element) can still overflow, and every later length computation relies on it.
            if (knownType && elements > long.MaxValue / 16)
            {
                throw new ModelOptException(DiagnosticCode.InvalidTensorShape, modelPath,
                    $"tensor {name} declares shape [{string.Join(",", proto.Dims)}], whose size in bytes overflows a 64-bit integer. The model is corrupt.");
            }
            long expectedBytes = knownType && ElementTypes.HasRawForm(type) ? ElementTypes.ByteCount(type, elements) : -1;

            if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
            {
                if (proto.HasInlineData) throw Mismatch(name, "is marked external but also holds inline data");
                // External data is the raw form stored elsewhere; a type without one cannot be external.
                if (knownType && expectedBytes < 0) throw Mismatch(name, $"stores {ElementTypes.OnnxName(type)} as external data, which only fixed-width types may use");
                return new Tensor(proto, ResolveExternal(proto, name, expectedBytes), store);
            }
            if (proto.Segment is not null || !knownType)
            {
                // Segmented tensors and element types newer than this build are carried through unchecked.
                return new Tensor(proto, null, null);
            }
            if (proto.HasRawData)
            {
                if (expectedBytes < 0) throw Mismatch(name, $"stores {ElementTypes.OnnxName(type)} in raw_data, which only fixed-width types may use");
                if (proto.RawData.Length != expectedBytes) throw Mismatch(name, $"has {proto.RawData.Length} bytes of raw_data; {ElementTypes.OnnxName(type)}[{string.Join(",", proto.Dims)}] needs {expectedBytes}");
                return new Tensor(proto, null, null);
            }
            var (field, entries) = TensorDataCodec.ExpectedTypedField(type, elements);
            long present = TensorDataCodec.CountEntries(proto, field);
            if (present != entries)
            {
                throw Mismatch(name, $"holds {present} entries of its data field; {ElementTypes.OnnxName(type)}[{string.Join(",", proto.Dims)}] needs {entries}");
            }
            return new Tensor(proto, null, null);
        }

        private ExternalDataReference ResolveExternal(TensorProto proto, string name, long expectedBytes)
        {
            string? location = null;
            long offset = 0;
            long? length = null;
            foreach (var entry in proto.ExternalData)
            {
                switch (entry.Key)
                {
                    case "location": location = entry.Value; break;
                    case "offset": offset = ParseNonNegative(entry.Value, "offset", name); break;
                    case "length": length = ParseNonNegative(entry.Value, "length", name); break;
                }
            }
            if (location is null) throw Mismatch(name, "is marked external but has no 'location'");
            // A model built in memory has no folder to resolve external data against.
            var external = store ?? throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, modelPath, $"tensor {name}: external data '{location}' cannot be resolved in a model that was not loaded from a file.");
            return external.Resolve(modelPath!, proto.Name, location, offset, length, expectedBytes);
        }

        private long ParseNonNegative(string text, string key, string name)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, modelPath, $"tensor {name}: external data {key} '{text}' is not a non-negative integer.");
            }
            return value;
        }

        private ModelOptException Mismatch(string name, string what)
            => new(DiagnosticCode.TensorDataMismatch, modelPath, $"tensor {name} {what}. The model is corrupt; re-export it.");

        private ModelOptException Duplicate(Graph graph, string name, string what)
            => new(DiagnosticCode.InvalidGraph, modelPath, $"graph '{graph.Name}': value '{name}' is defined twice (again as {what}). Each value must have one producer.");
    }

    /// <summary>Name resolution: a subgraph sees its own values and those of the graphs around it.</summary>
    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly Scope? _parent = parent;

        public Value DefineOrGet(string name)
        {
            if (!_values.TryGetValue(name, out var value))
            {
                value = new Value(name);
                _values[name] = value;
            }
            return value;
        }

        /// <summary>A fresh value for a node output, or null when the name is already taken in this graph.</summary>
        public Value? DefineLocal(string name)
        {
            if (_values.ContainsKey(name)) return null;
            var value = new Value(name);
            _values[name] = value;
            return value;
        }

        /// <summary>The value named <paramref name="name"/> here or in an enclosing graph; a dangling value if none.</summary>
        public Value Resolve(string name)
        {
            for (var scope = this; scope is not null; scope = scope._parent)
            {
                if (scope._values.TryGetValue(name, out var value)) return value;
            }
            return DefineOrGet(name);
        }
    }
}
