using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Cli.Commands;

/// <summary><c>modelopt inspect &lt;model&gt; [--json]</c>: a model's structure and weights at a glance.</summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        bool json = args.Contains("--json");
        var paths = args.Where(a => a != "--json").ToList();
        if (paths.Count != 1 || paths[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ModelOptException(DiagnosticCode.InvalidArgument, null, "usage: modelopt inspect <model.onnx> [--json]");
        }

        using var model = OnnxModelReader.Load(paths[0]);
        var summary = ModelSummary.Create(model);
        if (json) output.WriteLine(JsonSerializer.Serialize(summary, JsonOptions));
        else WriteText(summary, output);
        return CommandDispatcher.Success;
    }

    private static void WriteText(ModelSummary s, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine($"model:        {s.Path}");
        o.WriteLine($"producer:     {s.ProducerName} {s.ProducerVersion}".TrimEnd());
        o.WriteLine($"IR version:   {s.IrVersion}");
        o.WriteLine($"opsets:       {string.Join(", ", s.Opsets.Select(op => $"{(op.Domain.Length == 0 ? "ai.onnx" : op.Domain)} {op.Version}"))}");
        o.WriteLine("inputs:");
        foreach (var v in s.Inputs) o.WriteLine($"  {v.Name}: {Format(v)}");
        o.WriteLine("outputs:");
        foreach (var v in s.Outputs) o.WriteLine($"  {v.Name}: {Format(v)}");
        o.WriteLine(string.Create(c, $"nodes:        {s.NodeCount} ({s.SubgraphCount} subgraphs)"));
        o.WriteLine("ops:");
        foreach (var (op, count) in s.OpHistogram) o.WriteLine(string.Create(c, $"  {op,-28}{count,8}"));
        o.WriteLine(string.Create(c, $"parameters:   {s.ParameterCount:N0}"));
        o.WriteLine("weight bytes by element type:");
        foreach (var (type, bytes) in s.BytesByElementType) o.WriteLine(string.Create(c, $"  {type,-28}{bytes,16:N0}"));
        o.WriteLine(string.Create(c, $"initializers: {s.Initializers.Tensors} tensors, {s.Initializers.Bytes:N0} bytes"));
        o.WriteLine(string.Create(c, $"Constant:     {s.ConstantNodes.Tensors} tensors, {s.ConstantNodes.Bytes:N0} bytes"));
        if (s.ExternalDataFiles.Count == 0) o.WriteLine("external data: none");
        else
        {
            o.WriteLine("external data:");
            foreach (var f in s.ExternalDataFiles) o.WriteLine(string.Create(c, $"  {f.Location}: {f.Tensors} tensors, {f.Bytes:N0} bytes"));
        }
        if (s.Functions.Count > 0) o.WriteLine($"functions:    {string.Join(", ", s.Functions)}");
        foreach (var (key, value) in s.Metadata) o.WriteLine($"metadata:     {key} = {value}");
    }

    private static string Format(ValueSummary v)
        => v.Shape is null ? $"{v.ElementType}[?]" : $"{v.ElementType}[{string.Join(",", v.Shape)}]";
}
