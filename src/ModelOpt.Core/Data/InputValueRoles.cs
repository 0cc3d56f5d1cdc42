using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// What a generated input should hold for the model to compute something meaningful: all-zero
/// token ids make a transformer embed padding only, and an all-zero attention mask masks
/// every position, so a gate on such inputs compares nothing.
/// </summary>
internal static class InputValueRoles
{
    // Ops that pass ids through unchanged in value (only in type or shape) on their way to a Gather.
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "Cast", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Identity" };

    /// <summary>The fill of <paramref name="input"/> and, for ids, the rows of their embedding table.</summary>
    public static (GeneratedValues Values, long Rows) For(OnnxModel model, Value input)
    {
        var type = input.ElementType;
        string name = input.Name;
        bool floating = type is ElementType.Float or ElementType.Double or ElementType.Float16;
        if (type == ElementType.Bool || name.Contains("mask", StringComparison.OrdinalIgnoreCase)) return (GeneratedValues.Ones, 0);
        if (floating) return (GeneratedValues.Uniform, 0);
        if (name.Contains("token_type", StringComparison.OrdinalIgnoreCase) || name.Contains("segment", StringComparison.OrdinalIgnoreCase)) return (GeneratedValues.Zeros, 0);
        if (type is ElementType.Int64 or ElementType.Int32 && EmbeddingRows(model, input) is long rows and > 0) return (GeneratedValues.EmbeddingIds, rows);
        return (GeneratedValues.Zeros, 0);
    }

    /// <summary>The fewest rows of any embedding table <paramref name="input"/> indexes (through pass-through ops), or null.</summary>
    private static long? EmbeddingRows(OnnxModel model, Value input)
    {
        long? rows = null;
        var seen = new HashSet<Value>();
        var pending = new Stack<Value>([input]);
        while (pending.TryPop(out var value))
        {
            if (!seen.Add(value)) continue;
            foreach (var use in value.Uses)
            {
                var node = use.Node;
                if (node.OpType == "Gather" && node.Domain is "" or "ai.onnx" && use.InputIndex == 1 && node.Inputs[0] is { } table
                    && (node.GetAttribute("axis")?.Int ?? 0) == 0
                    && ConstantValues.TryGetTensor(model, table) is { Dims.Count: >= 1 } tensor)
                {
                    // The smallest table bounds the ids when one input feeds several.
                    rows = Math.Min(rows ?? long.MaxValue, tensor.Dims[0]);
                }
                else if (PassThrough.Contains(node.OpType) && use.InputIndex == 0)
                {
                    foreach (var output in node.Outputs) if (output is not null) pending.Push(output);
                }
            }
        }
        return rows;
    }
}
