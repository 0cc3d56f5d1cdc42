using ModelOpt.Core.Analysis;
using ModelOpt.Core.Data;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Planning;

/// <summary>
/// Builds the pass pipeline the options ask for and runs it: BatchNormalization folding
/// first (pruning and every quantization mode want Conv weights that already include the
/// normalization), then pruning, then the chosen quantization or conversion. Pruning comes
/// before quantization so the quantizer sees the final weights: zeros quantize exactly to the
/// zero point, and removed channels are never calibrated.
/// </summary>
public static class ModelTransformer
{
    private static readonly string[] QuantizableOps = ["Conv", "MatMul", "Gemm"];

    /// <summary>Transforms <paramref name="model"/> in place and says what it did.</summary>
    public static TransformOutcome Apply(OnnxModel model, OptimizationOptions options, SessionFactory sessions)
    {
        var costBefore = ModelCost.Measure(model, options.InputShapes);
        Fold(model, options);
        var (magnitude, structured) = Prune(model, options);
        var costAfter = ModelCost.Measure(model, options.InputShapes);
        var nodes = Quantize(model, options, sessions);
        return new TransformOutcome(nodes, costBefore, costAfter, magnitude, structured);
    }

    /// <summary>
    /// The first step of <see cref="Apply"/>: BatchNormalization folded into Conv, unless the
    /// options change nothing (Quantize=None without pruning embeds the model as it is). Per-node
    /// error compares against a model folded the same way, so every Conv output has a counterpart.
    /// </summary>
    public static void Fold(OnnxModel model, OptimizationOptions options)
    {
        if (options.Prune != PruneMode.None || options.Quantize != QuantizeMode.None) new PassPipeline(new BatchNormFoldingPass()).Run(model);
    }

    private static (MagnitudePruningReport?, StructuredPruningReport?) Prune(OnnxModel model, OptimizationOptions options)
    {
        switch (options.Prune)
        {
            case PruneMode.Magnitude:
                var magnitude = new MagnitudePruningPass(new MagnitudePruningOptions
                {
                    Sparsity = options.Sparsity,
                    Scope = options.PruneScope,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                new PassPipeline(magnitude).Run(model);
                return (magnitude.Report, null);
            case PruneMode.Structured:
                var structured = new StructuredPruningPass(new StructuredPruningOptions
                {
                    Sparsity = options.Sparsity,
                    Importance = options.PruneImportance,
                    ChannelMultiple = options.ChannelMultiple,
                    PruneOutputChannels = options.PruneOutputChannels,
                    ExcludeNodes = options.ExcludeNodes.ToArray(),
                    ExcludeOpTypes = options.ExcludeOpTypes.ToArray(),
                });
                new PassPipeline(structured).Run(model);
                return (null, structured.Report);
            default:
                return (null, null);
        }
    }

    private static IReadOnlyList<NodeQuantization> Quantize(OnnxModel model, OptimizationOptions options, SessionFactory sessions)
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
                var calibration = SampleSet.FromFolder(options.CalibrationData!, "CalibrationData", SamplePurpose.Calibration);
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
                }, calibration, new ActivationCalibrator(sessions));
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

        new PassPipeline(quantization).Run(model);
        return report()?.Nodes ?? [];
    }
}
