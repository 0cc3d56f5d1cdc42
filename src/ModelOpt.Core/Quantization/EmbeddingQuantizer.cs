using System.Globalization;
using System.Runtime.InteropServices;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// Gather from a constant FLOAT table [V, H] along axis 0 (an embedding lookup): the table is
/// stored as INT8 on the full 8-bit grid with one scale per row (per tensor when
/// <see cref="DynamicQuantizationOptions.PerChannel"/> is off), and only the rows a run looks up
/// are turned back into floats: <c>Gather(table_q, ids) → Cast(FLOAT) → Mul(Gather(scales, ids))</c>,
/// with <c>Sub(Gather(zero_points, ids))</c> before the Mul for asymmetric weights. A row is what a
/// lookup returns, so a per-row scale gives every token its own resolution (rare tokens have
/// small vectors), and nothing is computed in integers: the result is exactly the dequantized
/// table's rows. In a BERT-style model the word-embedding table is the largest weight; left in
/// FLOAT it keeps a "quantized" file at about two thirds of its size.
/// Only standard operators are written (Gather, Cast, Sub, Mul), which every runtime runs.
/// </summary>
internal sealed class EmbeddingQuantizer : IDynamicOpQuantizer
{
    /// <summary>
    /// Tables with fewer values stay in FLOAT: a BERT token-type table (2 × 384) saves 2 KB and
    /// would add four nodes to every run.
    /// </summary>
    public const long MinimumTableValues = 4096;

    /// <summary>Only a Gather whose data is a constant FLOAT matrix is an embedding lookup; other Gathers (shapes, indices) are no concern of quantization.</summary>
    public bool IsCandidate(QuantizationContext context, Node node)
        => node.Inputs.Count > 1 && node.Inputs[0] is { } data
            && ConstantValues.TryGetTensor(context.Model, data) is { ElementType: ElementType.Float, Dims.Count: 2 };

    public string? WhyNot(QuantizationContext context, Node node)
    {
        if (context.WeightProblem(node, 0, minRank: 2, maxRank: 2) is { } problem) return problem;
        long axis = node.GetAttribute("axis")?.Int ?? 0;
        if (axis is not (0 or -2))
        {
            return string.Create(CultureInfo.InvariantCulture, $"it gathers along axis {axis}; only row lookups (axis 0) are quantized");
        }
        long elements = ConstantValues.TryGetTensor(context.Model, node.Inputs[0]!)!.ElementCount;
        if (elements < MinimumTableValues)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"its table holds {elements} values (fewer than {MinimumTableValues}); the nodes that dequantize it would cost more than the bytes saved");
        }
        return null;
    }

    public (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node)
    {
        var table = context.AddQuantizedTable(node, 0);
        var ids = node.Inputs[1]!;
        string baseName = GraphEdits.BaseName(node);
        var nodes = new List<Node>();

        Value Add(string opType, Value?[] inputs, string hint, params NodeAttribute[] attributes)
        {
            var added = new Node(opType, inputs, [context.Names.Reserve(baseName + hint)], context.Names.Reserve(baseName + hint + "_" + opType));
            added.Attributes.AddRange(attributes);
            nodes.Add(added);
            return added.Outputs[0]!;
        }

        // Gathering a per-row [V, 1] parameter gives ids.shape + [1], which broadcasts over the rows' H.
        Value PerRow(Value parameter, string hint) => table.PerRow ? Add("Gather", [parameter, ids], hint) : parameter;

        var rows = Add("Gather", [table.Quantized, ids], "_rows_quantized", NodeAttribute.FromInt("axis", 0));
        var values = Add("Cast", [rows], "_rows_float", NodeAttribute.FromInt("to", (long)ElementType.Float));
        if (table.ZeroPoints is { } zeroPoints) values = Add("Sub", [values, PerRow(zeroPoints, "_rows_zero_point")], "_rows_centered");
        var scale = PerRow(table.Scales, "_rows_scale");
        var last = new Node("Mul", [values, scale], [], context.Names.Reserve(baseName + "_rows_Mul"));
        nodes.Add(last);

        GraphEdits.InsertBefore(node, [.. nodes]);
        var output = node.Outputs[0]!;
        node.Graph!.RemoveNode(node);
        last.AddOutput(output);
        return (table.PerRow ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null);
    }
}
