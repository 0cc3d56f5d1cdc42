using System.Collections;
using System.Globalization;
using Google.Protobuf;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// Compares two protobuf messages and says where they first differ, as a field path such as
/// <c>graph.node[3] (Conv 'conv1').attribute[0] ('strides').ints[1]</c>, so that a failed round
/// trip points at the node or initializer instead of only reporting "not equal".
/// Stricter than the generated <c>Equals</c>, which ignores field presence: in onnx.proto
/// (proto2) an empty name or an empty <c>raw_data</c> that is set is written to the file and
/// read differently from one that is absent, so presence must survive a round trip too.
/// </summary>
internal static class ProtoDiff
{
    /// <summary>Null when the messages are equal, presence included; otherwise the path of the first difference and what differs there.</summary>
    public static string? FirstDifference(IMessage expected, IMessage actual)
        => Walk(expected, actual, expected.Descriptor.Name);

    private static string? Walk(IMessage expected, IMessage actual, string path)
    {
        foreach (var field in expected.Descriptor.Fields.InFieldNumberOrder())
        {
            string fieldPath = path + "." + field.Name;
            object? left = field.Accessor.GetValue(expected);
            object? right = field.Accessor.GetValue(actual);
            if (field.IsRepeated)
            {
                var leftList = (IList)left!;
                var rightList = (IList)right!;
                if (leftList.Count != rightList.Count) return $"{fieldPath}: {leftList.Count} entries became {rightList.Count}";
                for (int i = 0; i < leftList.Count; i++)
                {
                    string itemPath = string.Create(CultureInfo.InvariantCulture, $"{fieldPath}[{i}]") + Describe(leftList[i]);
                    if (leftList[i] is IMessage l && rightList[i] is IMessage r)
                    {
                        if (Walk(l, r, itemPath) is { } difference) return difference;
                    }
                    else if (!Equals(leftList[i], rightList[i]))
                    {
                        return $"{itemPath}: {Show(leftList[i])} became {Show(rightList[i])}";
                    }
                }
                continue;
            }
            if (field.HasPresence && field.Accessor.HasValue(expected) != field.Accessor.HasValue(actual))
            {
                return $"{fieldPath}: {(field.Accessor.HasValue(expected) ? "set" : "absent")} became {(field.Accessor.HasValue(actual) ? "set" : "absent")}";
            }
            if (left is IMessage leftMessage && right is IMessage rightMessage)
            {
                if (Walk(leftMessage, rightMessage, fieldPath) is { } difference) return difference;
            }
            else if (!Equals(left, right))
            {
                return $"{fieldPath}: {Show(left)} became {Show(right)}";
            }
        }

        // Reflection sees only the known fields; the generated Equals also compares the unknown
        // fields (those of newer ONNX versions) and floats bit for bit (NaN payloads, -0).
        return expected.Equals(actual) ? null : $"{path}: the known fields are equal, but the unknown fields or the bits of a float differ";
    }

    // Names the node, tensor or value an element path goes through, so a reader can find it.
    private static string Describe(object? item) => item switch
    {
        NodeProto node => $" ({node.OpType} '{node.Name}')",
        TensorProto tensor => $" ('{tensor.Name}')",
        ValueInfoProto info => $" ('{info.Name}')",
        AttributeProto attribute => $" ('{attribute.Name}')",
        _ => "",
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        ByteString bytes => $"{bytes.Length} bytes",
        string text => $"'{text}'",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };
}
