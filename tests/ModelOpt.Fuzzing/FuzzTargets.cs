using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Fuzzing;

/// <summary>
/// The contract both targets check: for any bytes, the reader and the optimize job either
/// succeed or throw a <see cref="ModelOptException"/> with a code that describes the input. Any
/// other exception, and the codes that mean "a bug of ours" (<see cref="DiagnosticCode.PassFailed"/>,
/// <see cref="DiagnosticCode.InternalError"/>), escape as a crash for the fuzzer to keep; a failed
/// job must leave no output behind.
/// </summary>
public static class FuzzTargets
{
    private static readonly KeyValuePair<string, string>[] PipelineOptions =
    [
        KeyValuePair.Create("quantize", "Dynamic"),
        KeyValuePair.Create("min-cosine-similarity", "0"),
        KeyValuePair.Create("latency-runs", "1"),
    ];

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/> in <paramref name="scratch"/>, an empty folder it may fill and that the caller clears.</summary>
    public static void Run(FuzzTarget target, byte[] input, string scratch)
    {
        string model = Path.Combine(scratch, "model.onnx");
        File.WriteAllBytes(model, input);
        try
        {
            if (target == FuzzTarget.Reader) ReadWriteRead(model, scratch);
            else Optimize(model, scratch);
        }
        catch (ModelOptException e) when (e.Code is not (DiagnosticCode.PassFailed or DiagnosticCode.InternalError))
        {
            // A diagnosed bad input: the expected outcome for most mutations.
        }
    }

    private static void ReadWriteRead(string model, string scratch)
    {
        using var loaded = OnnxModelReader.Load(model);
        string inline = Path.Combine(scratch, "inline", "model.onnx");
        string external = Path.Combine(scratch, "external", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(inline)!);
        Directory.CreateDirectory(Path.GetDirectoryName(external)!);
        OnnxModelWriter.Save(loaded, inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
        OnnxModelWriter.Save(loaded, external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
        using (OnnxModelReader.Load(inline)) { }
        using (OnnxModelReader.Load(external)) { }
    }

    private static void Optimize(string model, string scratch)
    {
        string output = Path.Combine(scratch, "out.onnx");
        string report = Path.Combine(scratch, "out.json");
        var options = OptimizationOptions.Parse(PipelineOptions, null, model);
        try
        {
            new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, output, report, null, null, options));
        }
        catch (ModelOptException)
        {
            // The engine's promise: a failed job leaves no half-written output.
            if (File.Exists(output) || File.Exists(report)) throw new InvalidOperationException($"a failed job left '{output}' or its report behind.");
            throw;
        }
    }
}
