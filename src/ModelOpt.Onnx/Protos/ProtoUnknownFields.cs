using Google.Protobuf;

namespace ModelOpt.Onnx.Protos;

// The generated message classes are partial; these additions reach the private
// unknown-field set so that a tensor header can be copied without copying its data
// and still keep fields that a newer ONNX version added.

/// <summary>ONNX tensor message (generated); see onnx.proto.</summary>
public sealed partial class TensorProto
{
    /// <summary>A copy of everything except the tensor's data fields (cheap for any tensor size).</summary>
    internal TensorProto CloneHeader()
    {
        var header = new TensorProto();
        header.Dims.Add(Dims);
        if (HasDataType) header.DataType = DataType;
        if (Segment is not null) header.Segment = Segment.Clone();
        if (HasName) header.Name = Name;
        if (HasDocString) header.DocString = DocString;
        header.MetadataProps.Add(MetadataProps.Select(entry => entry.Clone()));
        header._unknownFields = UnknownFieldSet.Clone(_unknownFields);
        return header;
    }

    /// <summary>True when any inline data field (raw or typed) is present.</summary>
    internal bool HasInlineData
        => HasRawData || FloatData.Count > 0 || Int32Data.Count > 0 || StringData.Count > 0
           || Int64Data.Count > 0 || DoubleData.Count > 0 || Uint64Data.Count > 0;
}
