using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Core.Data;

namespace ModelOpt.Runtime.Execution;

/// <summary>Sample tensors as ONNX Runtime values, for calibration and validation alike.</summary>
internal static class OrtTensors
{
    /// <summary>An ONNX Runtime tensor holding a copy of the data (ONNX element type numbers and ONNX Runtime's agree); the caller disposes it.</summary>
    public static OrtValue ToOrtValue(SampleTensor tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.ElementType, [.. tensor.Shape]);
        tensor.Data.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    /// <summary>Every tensor of <paramref name="tensors"/> as an ONNX Runtime value, in order; on a failure the ones made are disposed.</summary>
    public static List<OrtValue> ToOrtValues(IReadOnlyList<SampleTensor> tensors)
    {
        var values = new List<OrtValue>(tensors.Count);
        try
        {
            foreach (var tensor in tensors) values.Add(ToOrtValue(tensor));
            return values;
        }
        catch
        {
            foreach (var value in values) value.Dispose();
            throw;
        }
    }
}
