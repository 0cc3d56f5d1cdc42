using System.Globalization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// One model of ONNX's backend test suite: <c>&lt;category&gt;/&lt;test name&gt;/model.onnx</c>
/// with its <c>test_data_set_*</c> folders.
/// </summary>
internal sealed record BackendSuiteCase(string Category, string Name, string ModelPath)
{
    /// <summary>"category/name", how failures are listed.</summary>
    public string Id => Category + "/" + Name;

    /// <summary>Every model under <paramref name="suiteRoot"/>, in ordinal order of the path so runs are repeatable.</summary>
    public static IReadOnlyList<BackendSuiteCase> Discover(string suiteRoot)
        => Directory.EnumerateFiles(suiteRoot, "model.onnx", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                string caseFolder = Path.GetDirectoryName(path)!;
                string category = Path.GetRelativePath(suiteRoot, Path.GetDirectoryName(caseFolder)!);
                return new BackendSuiteCase(category, Path.GetFileName(caseFolder), path);
            })
            .ToArray();

    /// <summary>
    /// Null when every data set of this case can be fed by this harness; otherwise why not.
    /// The suite stores sequences, optionals and maps in <c>.pb</c> files of other message types
    /// (SequenceProto, OptionalProto, MapProto); those parse as a TensorProto without an error,
    /// so the model's declared input and output types decide what each file holds.
    /// </summary>
    public string? HarnessLimitation(ModelProto model)
    {
        var dataSetFolders = DataSetFolders();
        if (dataSetFolders.Count == 0) return "no test_data_set folder";
        var initializerNames = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var fedInputs = model.Graph.Input.Where(i => !initializerNames.Contains(i.Name)).ToArray();
        int inputFiles = CountFiles(dataSetFolders[0], "input");
        if (inputFiles > fedInputs.Length) return $"{inputFiles} input files for {fedInputs.Length} graph inputs";
        var checkedValues = fedInputs.Take(inputFiles).Select(i => ("input", i))
            .Concat(model.Graph.Output.Select(o => ("output", o)));
        foreach (var (role, info) in checkedValues)
        {
            if (info.Type is null) continue;
            if (info.Type.ValueCase != TypeProto.ValueOneofCase.TensorType)
            {
                return $"{role} '{info.Name}' has type kind {info.Type.ValueCase} (its .pb files are not TensorProto)";
            }
            var type = (ElementType)info.Type.TensorType.ElemType;
            if (info.Type.TensorType.HasElemType && !OrtTensorConverter.IsSupported(type))
            {
                return $"{role} '{info.Name}' has element type {ElementTypes.OnnxName(type)}";
            }
        }
        return null;
    }

    /// <summary>
    /// True when the model draws random numbers (Bernoulli, RandomUniform…, Dropout in training
    /// mode), in its graph, a subgraph or a local function. Such outputs match the expected ones
    /// only by chance, so a match of the original proves nothing about the re-saved copy.
    /// </summary>
    public static bool HasRandomOutputs(ModelProto model)
        => AllNodes(model.Graph.Node).Concat(model.Functions.SelectMany(f => AllNodes(f.Node))).Any(IsRandom);

    private static bool IsRandom(NodeProto node) => node.OpType switch
    {
        "Bernoulli" or "Multinomial" or "RandomNormal" or "RandomNormalLike" or "RandomUniform" or "RandomUniformLike" => true,
        // Dropout's third input is training_mode; without it Dropout is the identity.
        "Dropout" => node.Input.Count > 2 && node.Input[2].Length > 0,
        _ => false,
    };

    private static IEnumerable<NodeProto> AllNodes(IEnumerable<NodeProto> nodes)
        => nodes.SelectMany(node => node.Attribute
            .SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Prepend(a.G))
            .SelectMany(g => AllNodes(g.Node))
            .Prepend(node));

    /// <summary>Reads every data set (call after <see cref="HarnessLimitation"/> returned null).</summary>
    public IReadOnlyList<BackendSuiteDataSet> LoadDataSets()
        => DataSetFolders()
            .Select(folder => new BackendSuiteDataSet(folder, ReadTensors(folder, "input"), ReadTensors(folder, "output")))
            .ToArray();

    private List<string> DataSetFolders()
        => [.. Directory.EnumerateDirectories(Path.GetDirectoryName(ModelPath)!, "test_data_set_*").Order(StringComparer.Ordinal)];

    private static int CountFiles(string folder, string prefix)
        => Directory.EnumerateFiles(folder, prefix + "_*.pb").Count();

    // input_0.pb, input_1.pb, …: by number, not by name, so input_10 follows input_9.
    private static TensorProto[] ReadTensors(string folder, string prefix)
    {
        var tensors = new TensorProto[CountFiles(folder, prefix)];
        for (int i = 0; i < tensors.Length; i++)
        {
            string path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{prefix}_{i}.pb"));
            tensors[i] = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        return tensors;
    }
}
