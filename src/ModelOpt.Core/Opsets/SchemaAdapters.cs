using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Opsets;

/// <summary>
/// The rewrites that carry a node across a schema change. Each cites the operator versions of
/// ONNX's Operators.md/Changelog.md it bridges. Nodes the rewrites create are written for the
/// target opset directly (every target from the change's version up to 21 accepts them).
/// </summary>
internal static class SchemaAdapters
{
    // ---- attributes that became inputs -------------------------------------------------------

    /// <summary>
    /// Squeeze-13, Unsqueeze-13, ReduceSum-13 and the other Reduce ops at 18 take <c>axes</c> as
    /// an optional INT64 input instead of an attribute. Absent axes stay absent: "reduce all" /
    /// "squeeze all 1-dims" is the default of both forms (noop_with_empty_axes defaults to 0).
    /// </summary>
    public static Node AxesAttributeToInput(UpgradeContext context, Node node)
    {
        if (Take(node, "axes") is { } axes)
        {
            var value = context.AddConstant(node, "axes", name => TensorFactory.Int64s(name, axes.Ints));
            SetOptionalInput(node, 1, value);
        }
        return node;
    }

    /// <summary>Split-13 takes the part sizes as the optional INT64 input <c>split</c>.</summary>
    public static Node SplitAttributeToInput(UpgradeContext context, Node node)
    {
        if (Take(node, "split") is { } split)
        {
            var value = context.AddConstant(node, "split", name => TensorFactory.Int64s(name, split.Ints));
            SetOptionalInput(node, 1, value);
        }
        return node;
    }

    /// <summary>
    /// Split-18 wants either the <c>split</c> input or the <c>num_outputs</c> attribute. Without
    /// sizes, Split-13 cut the axis into equal parts, one per output, which num_outputs = the
    /// number of outputs says again (Split-18 only adds uneven last parts, for inputs Split-13 rejected).
    /// </summary>
    public static Node AddNumOutputs(UpgradeContext context, Node node)
    {
        bool hasSplit = node.Inputs.Count > 1 && node.Inputs[1] is not null;
        if (!hasSplit && node.GetAttribute("num_outputs") is null)
        {
            node.Attributes.Add(NodeAttribute.FromInt("num_outputs", node.Outputs.Count));
        }
        return node;
    }

    /// <summary>
    /// Dropout-12 takes <c>ratio</c> as an optional input (type T1: any float type, so FLOAT fits)
    /// and adds <c>training_mode</c>, absent meaning inference: the output is the input, as before.
    /// </summary>
    public static Node RatioAttributeToInput(UpgradeContext context, Node node)
    {
        if (Take(node, "ratio") is { } ratio)
        {
            var value = context.AddConstant(node, "ratio", name => TensorFactory.Scalar(name, ElementType.Float, ratio.Float));
            SetOptionalInput(node, 1, value);
        }
        return node;
    }

    /// <summary>Clip-11 and Pad-11 add constants of the data's type; that type must be known and floating-point.</summary>
    public static string? DataTypeMustBeKnown(UpgradeContext context, Node node)
    {
        bool needsScalar = node.OpType switch
        {
            "Clip" => node.GetAttribute("min") is not null || node.GetAttribute("max") is not null,
            "Pad" => PadValue(node) != 0,
            _ => false,
        };
        if (!needsScalar || node.Inputs.Count == 0 || node.Inputs[0] is null) return null;
        var type = ValueTypes.ElementTypeOf(node.Inputs[0]!);
        if (TensorFactory.CanWriteScalar(type)) return null;
        return type == ElementType.Undefined
            ? $"the element type of input '{node.Inputs[0]!.Name}' is not declared, and the new version needs a constant of that type. Declare it (value_info) or re-export the model with opset 11 or later"
            : $"input '{node.Inputs[0]!.Name}' is {ElementTypes.OnnxName(type)}, which the old version does not accept; the model is invalid";
    }

    /// <summary>
    /// Clip-11 reads <c>min</c> and <c>max</c> from optional scalar inputs of the data's type; a
    /// bound that was absent stays absent (an empty input name), which means no bound, as before.
    /// </summary>
    public static Node ClipAttributesToInputs(UpgradeContext context, Node node)
    {
        var min = Take(node, "min");
        var max = Take(node, "max");
        if (min is null && max is null) return node;
        var type = ValueTypes.ElementTypeOf(node.Inputs[0]!);
        SetOptionalInput(node, 1, min is null ? null : context.AddConstant(node, "min", name => TensorFactory.Scalar(name, type, min.Float)));
        if (max is not null)
        {
            SetOptionalInput(node, 2, context.AddConstant(node, "max", name => TensorFactory.Scalar(name, type, max.Float)));
        }
        return node;
    }

    /// <summary>
    /// Pad-11 reads <c>pads</c> from an INT64 input and the fill value from the optional scalar
    /// input <c>constant_value</c> (default 0, as the old <c>value</c> attribute). <c>mode</c> stays.
    /// </summary>
    public static Node PadAttributesToInputs(UpgradeContext context, Node node)
    {
        double fill = PadValue(node);
        var pads = Take(node, "pads");
        Take(node, "value");
        var padsValue = context.AddConstant(node, "pads", name => TensorFactory.Int64s(name, pads?.Ints ?? []));
        SetOptionalInput(node, 1, padsValue);
        if (fill != 0)
        {
            var type = ValueTypes.ElementTypeOf(node.Inputs[0]!);
            SetOptionalInput(node, 2, context.AddConstant(node, "value", name => TensorFactory.Scalar(name, type, fill)));
        }
        return node;
    }

    /// <summary>Upsample-9 reads <c>scales</c> from a FLOAT input instead of an attribute.</summary>
    public static Node ScalesAttributeToInput(UpgradeContext context, Node node)
    {
        if (Take(node, "scales") is { } scales)
        {
            SetOptionalInput(node, 1, context.AddConstant(node, "scales", name => TensorFactory.Floats(name, scales.Floats)));
        }
        return node;
    }

    /// <summary>Slice-10 reads <c>starts</c>, <c>ends</c> and the optional <c>axes</c> from INT64 inputs.</summary>
    public static Node SliceAttributesToInputs(UpgradeContext context, Node node)
    {
        var starts = Take(node, "starts");
        var ends = Take(node, "ends");
        var axes = Take(node, "axes");
        SetOptionalInput(node, 1, context.AddConstant(node, "starts", name => TensorFactory.Int64s(name, starts?.Ints ?? [])));
        SetOptionalInput(node, 2, context.AddConstant(node, "ends", name => TensorFactory.Int64s(name, ends?.Ints ?? [])));
        if (axes is not null)
        {
            SetOptionalInput(node, 3, context.AddConstant(node, "axes", name => TensorFactory.Int64s(name, axes.Ints)));
        }
        return node;
    }

    /// <summary>TopK-10 reads <c>k</c> from a 1-D INT64 input of one element.</summary>
    public static Node TopKAttributeToInput(UpgradeContext context, Node node)
    {
        var k = Take(node, "k");
        SetOptionalInput(node, 1, context.AddConstant(node, "k", name => TensorFactory.Int64s(name, [k?.Int ?? 0])));
        return node;
    }

    // ---- operators replaced by others --------------------------------------------------------

    /// <summary>Renames the operator; used where ONNX deprecated one op for an identical one (Scatter-11 = ScatterElements-11).</summary>
    public static Func<UpgradeContext, Node, Node> RenameTo(string opType) => (_, node) =>
    {
        node.OpType = opType;
        return node;
    };

    /// <summary>
    /// Upsample is deprecated from opset 10 on; Resize-10 has the same inputs (X, scales), the
    /// same <c>mode</c> values and the same definition (Changelog: Upsample-9, Resize-10).
    /// </summary>
    public static Node UpsampleToResize(UpgradeContext context, Node node)
    {
        node.OpType = "Resize";
        return node;
    }

    /// <summary>
    /// Resize-11 inserts the <c>roi</c> input before <c>scales</c> and adds
    /// <c>coordinate_transformation_mode</c> (default half_pixel) and <c>nearest_mode</c>
    /// (default round_prefer_floor). Resize-10 (like Upsample) mapped output pixel x to input
    /// x / scale and took the floor for nearest, which is "asymmetric" with "floor"; ONNX's own
    /// version converter sets the same two attributes. roi only matters for tf_crop_and_resize,
    /// so an empty FLOAT tensor fills the slot.
    /// </summary>
    public static Node ResizeAddRoi(UpgradeContext context, Node node)
    {
        var scales = node.Inputs.Count > 1 ? node.Inputs[1] : null;
        var roi = context.AddConstant(node, "roi", name => Tensor.FromFloats(name, [0], []));
        SetOptionalInput(node, 1, roi);
        SetOptionalInput(node, 2, scales);
        string mode = node.GetAttribute("mode")?.String ?? "nearest";
        Take(node, "coordinate_transformation_mode");
        node.Attributes.Add(NodeAttribute.FromString("coordinate_transformation_mode", "asymmetric"));
        if (mode == "nearest")
        {
            Take(node, "nearest_mode");
            node.Attributes.Add(NodeAttribute.FromString("nearest_mode", "floor"));
        }
        return node;
    }

    // ---- changed semantics -------------------------------------------------------------------

    /// <summary>
    /// BatchNormalization-9 dropped <c>spatial</c>; what remains is the spatial=1 behaviour
    /// (statistics per channel). spatial=0 (per activation) has no equivalent.
    /// </summary>
    public static string? SpatialMustBeOne(UpgradeContext context, Node node)
        => node.GetAttribute("spatial") is { Int: not 1 }
            ? "it has spatial=0 (statistics per activation), which BatchNormalization-9 and later cannot express. Re-export the model with spatial=1, or flatten the input to (N x C*D1*...*Dn) before the node as the ONNX changelog suggests"
            : null;

    /// <summary>Removes the <c>spatial</c> attribute (see <see cref="SpatialMustBeOne"/>).</summary>
    public static Node RemoveSpatial(UpgradeContext context, Node node)
    {
        Take(node, "spatial");
        return node;
    }

    /// <summary>A blocker: outputs from <paramref name="keep"/> on must not be read.</summary>
    public static Func<UpgradeContext, Node, string?> TrailingOutputsUnused(int keep, string why) => (context, node) =>
    {
        for (int i = keep; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is { } output && !GraphEdits.IsUnused(context.Model, output))
            {
                return $"its output '{output.Name}' is used, but {why}";
            }
        }
        return null;
    };

    /// <summary>Drops outputs from <paramref name="keep"/> on (and their value_info declarations).</summary>
    public static Func<UpgradeContext, Node, Node> DropTrailingOutputs(int keep) => (context, node) =>
    {
        for (int i = keep; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is { } output) node.Graph!.ValueInfos.Remove(output);
        }
        if (node.Outputs.Count > keep) node.TruncateOutputs(keep);
        return node;
    };

    /// <summary>
    /// Softmax, LogSoftmax and Hardmax before 13 coerce the input to 2-D at <c>axis</c> (default
    /// 1) and normalize over the flattened trailing part; from 13 on they normalize along the
    /// single axis (default -1). The two agree when the axis is the last one: then the axis is
    /// written explicitly. Otherwise the old computation is spelled out, as ONNX's converter
    /// does: Flatten(axis) → op(axis=-1) → Reshape back to Shape(input).
    /// </summary>
    public static Node SoftmaxOverLastAxis(UpgradeContext context, Node node)
    {
        var input = node.Inputs[0]!;
        long axis = Take(node, "axis")?.Int ?? 1;
        // Axis -1 flattens to [everything before the last axis, last axis]: the same as 13's axis -1 at any rank.
        if (axis == -1 || ValueTypes.RankOf(input) is { } rank && axis == rank - 1)
        {
            node.Attributes.Add(NodeAttribute.FromInt("axis", -1));
            return node;
        }

        string baseName = GraphEdits.BaseName(node);
        var shape = new Node("Shape", [input], [context.Names.Reserve(baseName + "_input_shape")], context.Names.Reserve(baseName + "_shape"));
        var flatten = new Node("Flatten", [input], [context.Names.Reserve(baseName + "_flat")], context.Names.Reserve(baseName + "_flatten"));
        flatten.Attributes.Add(NodeAttribute.FromInt("axis", axis));
        var normalize = new Node(node.OpType, [flatten.Outputs[0]], [context.Names.Reserve(baseName + "_2d")], node.Name);
        foreach (var attribute in node.Attributes) normalize.Attributes.Add(attribute);
        normalize.Attributes.Add(NodeAttribute.FromInt("axis", -1));
        var reshape = new Node("Reshape", [normalize.Outputs[0], shape.Outputs[0]], [], context.Names.Reserve(baseName + "_reshape"));

        GraphEdits.InsertBefore(node, shape, flatten, normalize, reshape);
        var output = node.Outputs[0]!;
        node.Graph!.RemoveNode(node);
        // The removed node keeps listing the value; taking it over makes Reshape its producer.
        reshape.AddOutput(output);
        return normalize;
    }

    /// <summary>Sets a string attribute when absent, pinning an old default that a new version changed.</summary>
    public static Func<UpgradeContext, Node, Node> KeepStringDefault(string name, string oldDefault) => (_, node) =>
    {
        if (node.GetAttribute(name) is null) node.Attributes.Add(NodeAttribute.FromString(name, oldDefault));
        return node;
    };

    // ---- helpers -----------------------------------------------------------------------------

    /// <summary>Removes and returns the attribute named <paramref name="name"/>.</summary>
    private static NodeAttribute? Take(Node node, string name)
    {
        var attribute = node.GetAttribute(name);
        if (attribute is not null) node.Attributes.Remove(attribute);
        return attribute;
    }

    /// <summary>Sets input <paramref name="index"/>, padding skipped optional inputs with empty names.</summary>
    private static void SetOptionalInput(Node node, int index, Value? value)
    {
        while (node.Inputs.Count <= index) node.AddInput(null);
        node.SetInput(index, value);
    }

    /// <summary>The fill value of a constant-mode Pad-2 (other modes ignore it).</summary>
    private static double PadValue(Node node)
        => (node.GetAttribute("mode")?.String ?? "constant") == "constant" ? node.GetAttribute("value")?.Float ?? 0 : 0;
}
