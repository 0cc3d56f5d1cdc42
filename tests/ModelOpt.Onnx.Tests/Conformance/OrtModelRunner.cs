using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// Runs a model file in ONNX Runtime on the suite's data sets and compares every output,
/// as ONNX's backend runner does with onnxruntime's backend: inputs are fed by position to the
/// session's inputs (initializers excluded), outputs are compared by position.
/// </summary>
internal sealed class OrtModelRunner : IDisposable
{
    private readonly SessionOptions _options = CreateSessionOptions();

    /// <summary>
    /// One thread per session: the machines that run the tests are small and shared, and a
    /// single thread also makes results independent of the core count. Logging is limited to
    /// fatal messages because every failure comes back as an exception with its text anyway.
    /// </summary>
    public static SessionOptions CreateSessionOptions() => new()
    {
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
    };

    /// <summary>Runs <paramref name="modelPath"/> on every data set; never throws for a model ORT rejects.</summary>
    public OrtRunOutcome Run(string modelPath, IReadOnlyList<BackendSuiteDataSet> dataSets)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, _options);
        }
        catch (OnnxRuntimeException e)
        {
            return new OrtRunOutcome(OrtRunStage.SessionFailed, Shorten(e.Message, modelPath));
        }

        using (session)
        {
            string? mismatch = null;
            foreach (var dataSet in dataSets)
            {
                string dataSetName = Path.GetFileName(dataSet.Folder);
                string? problem;
                try
                {
                    problem = RunDataSet(session, dataSet);
                }
                catch (Exception e) when (e is OnnxRuntimeException or NotSupportedException or InvalidDataException)
                {
                    return new OrtRunOutcome(OrtRunStage.RunFailed, $"{dataSetName}: {Shorten(e.Message, modelPath)}");
                }
                if (problem is not null) mismatch ??= $"{dataSetName}: {problem}";
            }
            return mismatch is null ? new OrtRunOutcome(OrtRunStage.Matched, null) : new OrtRunOutcome(OrtRunStage.Mismatched, mismatch);
        }
    }

    private static string? RunDataSet(InferenceSession session, BackendSuiteDataSet dataSet)
    {
        var inputNames = session.InputNames.Take(dataSet.Inputs.Count).ToArray();
        var inputs = new List<OrtValue>(dataSet.Inputs.Count);
        try
        {
            for (int i = 0; i < inputNames.Length; i++)
            {
                var declared = session.InputMetadata[inputNames[i]];
                var declaredType = declared.IsTensor ? (ElementType)(int)declared.ElementDataType : ElementType.Undefined;
                inputs.Add(OrtTensorConverter.ToOrtValue(dataSet.Inputs[i], declaredType));
            }
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputNames, inputs, session.OutputNames);
            if (results.Count != dataSet.Outputs.Count) return $"{results.Count} outputs, expected {dataSet.Outputs.Count}";
            int index = 0;
            foreach (var result in results)
            {
                if (OutputComparer.Compare(result, dataSet.Outputs[index]) is { } problem)
                {
                    return $"output {index} '{session.OutputNames[index]}': {problem}";
                }
                index++;
            }
            return null;
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    // The first line only, without the file's path, so that the outcomes of the original and
    // of the re-saved copy (which lives elsewhere) can be compared as text.
    private static string Shorten(string message, string modelPath)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        string firstLine = end < 0 ? message : message[..end];
        return firstLine.Replace(modelPath, "model.onnx", StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public void Dispose() => _options.Dispose();
}
