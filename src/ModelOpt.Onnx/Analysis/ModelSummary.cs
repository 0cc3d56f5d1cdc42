using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Analysis;

/// <summary>A declared graph input or output: name, element type and shape (symbolic dimensions by name).</summary>
public sealed record ValueSummary(string Name, string ElementType, IReadOnlyList<string>? Shape);

/// <summary>Weights of one kind of storage: how many tensors, elements and bytes.</summary>
public sealed record WeightStorage(int Tensors, long Elements, long Bytes);

/// <summary>One external data file and how much of the model lives in it.</summary>
public sealed record ExternalFileSummary(string Location, int Tensors, long Bytes);

/// <summary>
/// What <c>modelopt inspect</c> prints: everything is computed from the IR without reading
/// tensor data, so summarizing a multi-gigabyte model costs no more than loading its graph.
/// </summary>
public sealed record ModelSummary(
    string? Path,
    string ProducerName,
    string ProducerVersion,
    long IrVersion,
    IReadOnlyList<OpsetImport> Opsets,
    IReadOnlyList<ValueSummary> Inputs,
    IReadOnlyList<ValueSummary> Outputs,
    int NodeCount,
    int SubgraphCount,
    IReadOnlyList<KeyValuePair<string, int>> OpHistogram,
    long ParameterCount,
    IReadOnlyList<KeyValuePair<string, long>> BytesByElementType,
    WeightStorage Initializers,
    WeightStorage ConstantNodes,
    IReadOnlyList<ExternalFileSummary> ExternalDataFiles,
    IReadOnlyList<string> Functions,
    IReadOnlyList<KeyValuePair<string, string>> Metadata)
{
    /// <summary>Summarizes <paramref name="model"/>.</summary>
    public static ModelSummary Create(OnnxModel model)
    {
        var graph = model.Graph;
        var initializerTensors = graph.AllGraphs().SelectMany(g => g.Initializers.Select(v => v.Initializer!)).ToList();
        var constantTensors = graph.AllNodes()
            .Where(n => n.OpType == "Constant" && n.Domain.Length == 0)
            .SelectMany(n => n.Attributes.Select(a => a.Tensor).OfType<Tensor>())
            .ToList();
        var weights = initializerTensors.Concat(constantTensors).ToList();

        var histogram = graph.AllNodes()
            .GroupBy(n => n.Domain.Length == 0 ? n.OpType : n.Domain + "." + n.OpType, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, g.Count()))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToArray();

        var bytesByType = weights
            .GroupBy(t => ElementTypes.OnnxName(t.ElementType), StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, g.Sum(t => t.ByteLength)))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToArray();

        var externalFiles = weights.Where(t => t.External is not null)
            .GroupBy(t => t.External!.Location, StringComparer.Ordinal)
            .Select(g => new ExternalFileSummary(g.Key, g.Count(), g.Sum(t => t.External!.Length)))
            .OrderBy(f => f.Location, StringComparer.Ordinal)
            .ToArray();

        return new ModelSummary(
            model.SourcePath,
            model.ProducerName,
            model.ProducerVersion,
            model.IrVersion,
            model.OpsetImports,
            graph.Inputs.Where(v => v.Initializer is null).Select(Describe).ToArray(),
            graph.Outputs.Select(Describe).ToArray(),
            graph.AllNodes().Count(),
            graph.AllGraphs().Count() - 1,
            histogram,
            weights.Where(t => IsNumeric(t.ElementType)).Sum(t => t.ElementCount),
            bytesByType,
            Storage(initializerTensors),
            Storage(constantTensors),
            externalFiles,
            model.FunctionNames,
            model.MetadataProps);
    }

    private static WeightStorage Storage(List<Tensor> tensors)
        => new(tensors.Count, tensors.Sum(t => t.ElementCount), tensors.Sum(t => t.ByteLength));

    private static bool IsNumeric(ElementType type) => type is not (ElementType.String or ElementType.Undefined);

    private static ValueSummary Describe(Value value)
        => new(value.Name,
               value.ElementType == ElementType.Undefined ? "?" : ElementTypes.OnnxName(value.ElementType),
               value.Shape?.Select(d => d.ToString()).ToArray());
}
