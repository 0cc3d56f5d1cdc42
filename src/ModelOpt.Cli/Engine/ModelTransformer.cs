using ModelOpt.Cli.Options;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Cli.Engine;

/// <summary>
/// Builds the pass pipeline the options ask for and runs it: BatchNormalization folding
/// first (every quantization mode wants Conv weights that already include the normalization),
/// then the chosen quantization or conversion.
/// </summary>
internal static class ModelTransformer
{
    private static readonly string[] QuantizableOps = ["Conv", "MatMul", "Gemm"];

    /// <summary>Transforms <paramref name="model"/> in place; returns the precision each quantizable node ended in.</summary>
    public static IReadOnlyList<NodeQuantization> Apply(OnnxModel model, OptimizationOptions options)
    {
        if (options.Quantize == QuantizeMode.None)
        {
            return model.Graph.AllNodes()
                .Where(n => n.Domain.Length == 0 && QuantizableOps.Contains(n.OpType))
                .Select(n => new NodeQuantization(n.Name, n.OpType, NodePrecision.Float, null, "Quantize=None"))
                .ToArray();
        }

        Func<QuantizationReport?> report;
        IModelPass quantization;
        switch (options.Quantize)
        {
            case QuantizeMode.Dynamic:
                var dynamic = new DynamicQuantizationPass(new DynamicQuantizationOptions
                {
                    PerChannel = options.PerChannel,
                    Symmetric = options.Symmetric,
                    ReduceRange = options.ReduceWeightRange,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                (quantization, report) = (dynamic, () => dynamic.Report);
                break;
            case QuantizeMode.Static:
                var calibration = CalibrationDataSet.FromFolder(options.CalibrationData!);
                var qdq = new StaticQuantizationPass(new StaticQuantizationOptions
                {
                    PerChannel = options.PerChannel,
                    Symmetric = options.Symmetric,
                    ActivationType = options.ActivationType,
                    ReduceWeightRange = options.ReduceWeightRange,
                    CalibrationMethod = options.CalibrationMethod,
                    Percentile = options.Percentile,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                }, calibration);
                (quantization, report) = (qdq, () => qdq.Report);
                break;
            case QuantizeMode.Int4:
                var int4 = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions
                {
                    BlockSize = options.BlockSize,
                    Symmetric = options.Symmetric,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                (quantization, report) = (int4, () => int4.Report);
                break;
            case QuantizeMode.Float16:
                var float16 = new Float16ConversionPass(new Float16ConversionOptions
                {
                    KeepIoTypes = options.KeepIoTypes,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                (quantization, report) = (float16, () => float16.Report);
                break;
            default:
                throw new InvalidOperationException($"Quantize={options.Quantize} reached the transformer; option parsing refuses it.");
        }

        new PassPipeline(new BatchNormFoldingPass(), quantization).Run(model);
        return report()?.Nodes ?? [];
    }
}
