using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// A model serialized with intermediate values added as graph outputs, the only way to read them
/// from ONNX Runtime: calibration observes activations this way, per-node sensitivity compares
/// them. Only the serialized copy changes; the model itself is not touched.
/// </summary>
internal static class ExtraOutputs
{
    /// <summary>
    /// <paramref name="model"/> serialized with every name of <paramref name="names"/> that is not
    /// already a graph output appended as one, in order. The outputs are declared without a type:
    /// ONNX Runtime infers it (and reports it when the model runs).
    /// </summary>
    public static byte[] Serialize(OnnxModel model, IEnumerable<string> names)
    {
        var proto = OnnxModelWriter.ToProto(model);
        AddTo(proto.Graph, names);
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    /// <summary>Appends every name of <paramref name="names"/> that is not already an output of <paramref name="graph"/> as one, in order, without a type.</summary>
    public static void AddTo(GraphProto graph, IEnumerable<string> names)
    {
        var existing = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (existing.Add(name)) graph.Output.Add(new ValueInfoProto { Name = name });
        }
    }
}
