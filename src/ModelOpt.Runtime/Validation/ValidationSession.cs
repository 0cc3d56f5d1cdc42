using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// One model loaded in ONNX Runtime for validation, with the binding of samples to its inputs.
/// Samples are bound by <see cref="SampleBinding"/>, the same rules calibration uses (by name,
/// then by position), described here from ONNX Runtime's input metadata because validation holds
/// models as bytes. Failures become <see cref="DiagnosticCode.ValidationRunFailed"/> (the runtime)
/// or <see cref="DiagnosticCode.ValidationInputsInvalid"/> (a sample that does not fit).
/// </summary>
/// <remarks>The session itself belongs to the job's <see cref="SessionFactory"/>; disposing this releases only the run options.</remarks>
internal sealed class ValidationSession : IDisposable
{
    private readonly RunOptions _runOptions = new();
    private readonly SampleBinding _binder;
    private readonly string? _modelPath;
    private readonly string _role;

    private ValidationSession(InferenceSession session, string? modelPath, string role)
    {
        Session = session;
        _modelPath = modelPath;
        _role = role;
        InputNames = [.. session.InputNames];
        OutputNames = [.. session.OutputNames];
        _binder = new SampleBinding(InputNames.Select(n => Describe(n, session.InputMetadata[n])), modelPath, "validation");
    }

    /// <summary>The loaded session (owned by the factory).</summary>
    public InferenceSession Session { get; }

    /// <summary>The inputs a run needs (graph inputs without an initializer), in graph order.</summary>
    public string[] InputNames { get; }

    /// <summary>The graph outputs, in graph order.</summary>
    public string[] OutputNames { get; }

    /// <summary>Loads <paramref name="model"/> through <paramref name="sessions"/>; <paramref name="role"/> ("original", "optimized") names it in messages.</summary>
    /// <param name="sessions">The job's session factory.</param>
    /// <param name="model">The serialized model.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="role">Which model this is, for messages.</param>
    /// <param name="intraOpThreads">A fixed intra-op thread count (latency), or null for a validation session.</param>
    public static ValidationSession Open(SessionFactory sessions, byte[] model, string? modelPath, string role, int? intraOpThreads = null)
    {
        InferenceSession session;
        try
        {
            session = intraOpThreads is int threads ? sessions.Latency(model, threads) : sessions.Validation(model);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.ValidationRunFailed, modelPath,
                $"ONNX Runtime cannot load the {role} model for validation: {e.Message}. Check that the original model loads in ONNX Runtime; if only the optimized one fails, exclude the failing node (ExcludeNodes/ExcludeOpTypes) or report the model.", e);
        }
        return new ValidationSession(session, modelPath, role);
    }

    /// <summary>The sample's tensors as ONNX Runtime values in <see cref="InputNames"/> order; the caller disposes them.</summary>
    public List<OrtValue> Bind(Sample sample)
    {
        SampleTensor[] tensors;
        try
        {
            tensors = _binder.Bind(sample);
        }
        catch (ModelOptException e) when (e.Code is DiagnosticCode.CalibrationShapeMismatch or DiagnosticCode.CalibrationInputsMismatch)
        {
            // Same binding rules as calibration, but the problem is in the validation inputs.
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, e.FilePath ?? _modelPath, e.Message, e);
        }
        return OrtTensors.ToOrtValues(tensors);
    }

    /// <summary>Runs the model on bound inputs and returns <paramref name="outputNames"/>; a runtime failure is MOPT0182 naming the sample.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyCollection<OrtValue> inputs, IReadOnlyCollection<string> outputNames, string sampleName)
    {
        try
        {
            return Session.Run(_runOptions, InputNames, inputs, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.ValidationRunFailed, _modelPath,
                $"ONNX Runtime failed to run the {_role} model on validation sample '{sampleName}': {e.Message}. " +
                "Check that the sample fits the model (or give ValidationData / InputShapes); if only the optimized model fails, exclude the failing node (ExcludeNodes/ExcludeOpTypes) or report the model.", e);
        }
    }

    public void Dispose() => _runOptions.Dispose();

    /// <summary>
    /// An IR value describing an input from ONNX Runtime's metadata. ONNX Runtime reports an input
    /// without a declared shape as rank 0, so rank 0 is left unknown here rather than checked as a
    /// scalar (a wrong rank then fails in the run, with the sample named).
    /// </summary>
    private static Value Describe(string name, NodeMetadata meta)
    {
        if (!meta.IsTensor) return new Value(name);
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)meta.ElementDataType };
        if (meta.Dimensions.Length > 0)
        {
            var shape = new TensorShapeProto();
            for (int k = 0; k < meta.Dimensions.Length; k++)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (meta.Dimensions[k] >= 0) dim.DimValue = meta.Dimensions[k];
                else if (!string.IsNullOrEmpty(meta.SymbolicDimensions[k])) dim.DimParam = meta.SymbolicDimensions[k];
                shape.Dim.Add(dim);
            }
            tensor.Shape = shape;
        }
        return new Value(name, new TypeProto { TensorType = tensor });
    }
}
