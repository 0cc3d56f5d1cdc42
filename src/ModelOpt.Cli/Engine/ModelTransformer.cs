using ModelOpt.Cli.Options;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Cli.Engine;

/// <summary>Applies the passes that the options ask for, in the order the engine defines.</summary>
internal static class ModelTransformer
{
    private static readonly string[] QuantizableOps = ["Conv", "MatMul", "Gemm"];

    /// <summary>Transforms <paramref name="model"/> in place; returns the precision each quantizable node ended in.</summary>
    public static IReadOnlyList<NodeQuantization> Apply(OnnxModel model, OptimizationOptions options)
    {
        switch (options.Quantize)
        {
            case QuantizeMode.None:
                return model.Graph.AllNodes()
                    .Where(n => n.Domain.Length == 0 && QuantizableOps.Contains(n.OpType))
                    .Select(n => new NodeQuantization(n.Name, n.OpType, NodePrecision.Float, null, "Quantize=None"))
                    .ToArray();
            case QuantizeMode.Dynamic:
                var pass = new DynamicQuantizationPass(new DynamicQuantizationOptions
                {
                    PerChannel = options.PerChannel,
                    Symmetric = options.Symmetric,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                new PassPipeline(pass).Run(model);
                return pass.Report?.Nodes ?? [];
            default:
                throw new InvalidOperationException($"Quantize={options.Quantize} reached the transformer; option parsing refuses it.");
        }
    }
}
