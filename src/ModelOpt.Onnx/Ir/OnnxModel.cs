using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// An ONNX model: its main <see cref="Graph"/>, opset imports, metadata, and the fields the
/// IR does not model (model-local functions, training info, device configurations, unknown
/// fields), which stay in <see cref="Residual"/> and are written back untouched.
/// Dispose it to unmap the external data files it reads from.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly bool _ownsExternalData;

    internal OnnxModel(ModelProto residual, Graph graph, string? sourcePath, ExternalDataStore? externalData, bool ownsExternalData = true)
    {
        Residual = residual;
        Graph = graph;
        SourcePath = sourcePath;
        ExternalData = externalData;
        _ownsExternalData = ownsExternalData;
    }

    /// <summary>Creates an empty model importing the ONNX opset <paramref name="opsetVersion"/>.</summary>
    public OnnxModel(Graph graph, long opsetVersion, long irVersion = 8)
        : this(new ModelProto { IrVersion = irVersion, ProducerName = "ModelOpt" }, graph, null, null)
    {
        SetOpsetVersion("", opsetVersion);
    }

    internal ModelProto Residual { get; }

    /// <summary>The main graph.</summary>
    public Graph Graph { get; }

    /// <summary>The file the model was loaded from, if any.</summary>
    public string? SourcePath { get; }

    /// <summary>The external data files this model reads from, if it has any.</summary>
    public ExternalDataStore? ExternalData { get; }

    /// <summary>The ONNX IR version.</summary>
    public long IrVersion { get => Residual.IrVersion; set => Residual.IrVersion = value; }

    /// <summary>The tool that wrote the model.</summary>
    public string ProducerName { get => Residual.ProducerName; set => Residual.ProducerName = value; }

    /// <summary>The version of the tool that wrote the model.</summary>
    public string ProducerVersion { get => Residual.ProducerVersion; set => Residual.ProducerVersion = value; }

    /// <summary>The model's reverse-DNS domain.</summary>
    public string Domain { get => Residual.Domain; set => Residual.Domain = value; }

    /// <summary>The model's own version number.</summary>
    public long ModelVersion { get => Residual.ModelVersion; set => Residual.ModelVersion = value; }

    /// <summary>The model's documentation.</summary>
    public string DocString { get => Residual.DocString; set => Residual.DocString = value; }

    /// <summary>Imported operator sets in file order.</summary>
    public IReadOnlyList<OpsetImport> OpsetImports
        => Residual.OpsetImport.Select(o => new OpsetImport(o.Domain, o.Version)).ToArray();

    /// <summary>The imported version of <paramref name="domain"/> (<c>""</c> and <c>ai.onnx</c> are the same), or null.</summary>
    public long? GetOpsetVersion(string domain)
    {
        var entry = Residual.OpsetImport.FirstOrDefault(o => SameDomain(o.Domain, domain));
        return entry?.Version;
    }

    /// <summary>Imports <paramref name="domain"/> at <paramref name="version"/>, replacing an existing import.</summary>
    public void SetOpsetVersion(string domain, long version)
    {
        var entry = Residual.OpsetImport.FirstOrDefault(o => SameDomain(o.Domain, domain));
        if (entry is null) Residual.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        else entry.Version = version;
    }

    /// <summary>The model's metadata (<c>metadata_props</c>) in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MetadataProps
        => Residual.MetadataProps.Select(p => KeyValuePair.Create(p.Key, p.Value)).ToArray();

    /// <summary>Sets a metadata entry, replacing an entry with the same key.</summary>
    public void SetMetadata(string key, string value)
    {
        var entry = Residual.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) Residual.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }

    /// <summary>Names of the model-local functions (<c>domain.name</c>), kept untouched.</summary>
    public IReadOnlyList<string> FunctionNames
        => Residual.Functions.Select(f => f.Domain.Length == 0 ? f.Name : f.Domain + "." + f.Name).ToArray();

    private static bool SameDomain(string a, string b)
        => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;

    /// <summary>
    /// A deep copy that can be changed without touching this model: new graphs, nodes, values
    /// and attributes, while tensor bytes are shared (they are immutable; inline data stays one
    /// copy, external data is read through this model's memory maps). Cost grows with the number
    /// of nodes and tensors, not with the bytes of the weights. The copy does not own the
    /// external data files: dispose it before this model, or at the same time.
    /// </summary>
    public OnnxModel Clone()
        => OnnxModelReader.FromProto(OnnxModelWriter.ToProtoSharingData(this), SourcePath, ExternalData, ownsStore: false);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsExternalData) ExternalData?.Dispose();
    }
}
