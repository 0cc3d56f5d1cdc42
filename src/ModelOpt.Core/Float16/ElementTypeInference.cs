using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// The element type of every tensor value of a model, its subgraphs included: declared types,
/// initializers, then node by node through <see cref="OperatorTypeRules"/> (ONNX's type
/// constraints), bodies of If/Loop/Scan seeded from their outer inputs. Element types only, no
/// shapes: that is all a precision change needs, and it cannot fail. A value whose type cannot
/// be told (an operator of another domain without a declared type, a sequence) is
/// <see cref="ElementType.Undefined"/>, and the conversion keeps what reads it in FLOAT.
/// </summary>
internal static class ElementTypeInference
{
    /// <summary>Every value's element type, by value identity.</summary>
    public static Dictionary<Value, ElementType> Infer(OnnxModel model)
    {
        var types = new Dictionary<Value, ElementType>();
        InferGraph(model.Graph, types, model.GetOpsetVersion("") ?? 1);
        return types;
    }

    private static void InferGraph(Graph graph, Dictionary<Value, ElementType> types, long opset)
    {
        foreach (var input in graph.Inputs)
        {
            // Subgraph inputs may have been seeded from the outer node; a declaration wins.
            if (input.ElementType != ElementType.Undefined) types[input] = input.ElementType;
            else types.TryAdd(input, ElementType.Undefined);
        }
        foreach (var value in graph.Initializers) types[value] = value.Initializer!.ElementType;
        foreach (var value in graph.SparseInitializers) types[value] = value.SparseInitializer!.Values.ElementType;

        foreach (var node in graph.Nodes)
        {
            bool standard = node.Domain.Length == 0 || node.Domain == "ai.onnx";
            if (standard && OperatorTypeRules.IsControlFlow(node.OpType))
            {
                InferControlFlow(node, types, opset);
                continue;
            }
            foreach (var subgraph in node.Subgraphs) InferGraph(subgraph, types, opset);
            var rule = OperatorTypeRules.Find(node, opset);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i] is not { } output) continue;
                var inferred = rule is null ? ElementType.Undefined : OutputType(node, rule.Output(i), types);
                types[output] = inferred != ElementType.Undefined ? inferred : output.ElementType;
            }
        }
    }

    /// <summary>The element type an output gets from <paramref name="rule"/> given the input types in <paramref name="types"/>.</summary>
    private static ElementType OutputType(Node node, OutputTypeRule rule, IReadOnlyDictionary<Value, ElementType> types)
    {
        switch (rule.Source)
        {
            case OutputTypeSource.Input:
                var input = rule.Input < node.Inputs.Count ? node.Inputs[rule.Input] : null;
                return input is null ? rule.Type : types.GetValueOrDefault(input);
            case OutputTypeSource.Fixed:
                return rule.Type;
            case OutputTypeSource.Attribute:
                if (node.GetAttribute(rule.Attribute!) is { } attribute) return TypeAttributes.Read(attribute);
                if (rule.Input >= 0) return rule.Input < node.Inputs.Count && node.Inputs[rule.Input] is { } fallback ? types.GetValueOrDefault(fallback) : ElementType.Undefined;
                return rule.Type;
            case OutputTypeSource.ConstantValue:
                return ConstantType(node);
            default:
                return ElementType.Undefined;
        }
    }

    /// <summary>The type of the tensor a Constant or ConstantOfShape node produces.</summary>
    private static ElementType ConstantType(Node node)
    {
        if (node.OpType == "ConstantOfShape")
        {
            // ONNX Operators.md, ConstantOfShape: "If attribute 'value' is not specified, the value in the output defaults to 0, and the datatype defaults to float32."
            return node.GetAttribute("value")?.Tensor?.ElementType ?? ElementType.Float;
        }
        foreach (var attribute in node.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.Tensor is not null: return attribute.Tensor.ElementType;
                case "sparse_value" when attribute.SparseTensor is not null: return attribute.SparseTensor.Values.ElementType;
                case "value_float" or "value_floats": return ElementType.Float;
                case "value_int" or "value_ints": return ElementType.Int64;
                case "value_string" or "value_strings": return ElementType.String;
            }
        }
        return ElementType.Undefined;
    }

    /// <summary>
    /// If: outputs typed like the branches' outputs. Loop: body inputs (iteration, condition,
    /// carried values) typed from the Loop's inputs, Loop outputs from body outputs 1…. Scan: body
    /// inputs from the Scan's inputs (a scan input's element type is its slices'; Scan-8 has the
    /// sequence lengths first), outputs from body outputs (ONNX Operators.md, If/Loop/Scan).
    /// </summary>
    private static void InferControlFlow(Node node, Dictionary<Value, ElementType> types, long opset)
    {
        var body = node.OpType switch
        {
            "Loop" or "Scan" => node.GetAttribute("body")?.Graph,
            _ => null,
        };
        if (body is not null)
        {
            int scanOffset = node.OpType == "Scan" && opset < 9 ? 1 : 0;
            for (int i = 0; i < body.Inputs.Count; i++)
            {
                var seed = node.OpType == "Loop"
                    ? i switch { 0 => ElementType.Int64, 1 => ElementType.Bool, _ => TypeOfInput(node, i, types) }
                    : TypeOfInput(node, i + scanOffset, types);
                types[body.Inputs[i]] = seed;
            }
        }
        foreach (var subgraph in node.Subgraphs) InferGraph(subgraph, types, opset);

        int offset = node.OpType == "Loop" ? 1 : 0;
        var branches = node.OpType == "If"
            ? new[] { node.GetAttribute("then_branch")?.Graph, node.GetAttribute("else_branch")?.Graph }
            : [body];
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } output) continue;
            var type = ElementType.Undefined;
            foreach (var branch in branches)
            {
                if (type == ElementType.Undefined && branch is not null && i + offset < branch.Outputs.Count)
                {
                    type = types.GetValueOrDefault(branch.Outputs[i + offset]);
                }
            }
            types[output] = type != ElementType.Undefined ? type : output.ElementType;
        }
    }

    private static ElementType TypeOfInput(Node node, int index, Dictionary<Value, ElementType> types)
        => index < node.Inputs.Count && node.Inputs[index] is { } input ? types.GetValueOrDefault(input) : ElementType.Undefined;
}
