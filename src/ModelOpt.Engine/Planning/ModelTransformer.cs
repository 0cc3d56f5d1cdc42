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
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Calibration;
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
    public static TransformOutcome Apply(OnnxModel model, OptimizationOptions options)
    {
        var costBefore = ModelCost.Measure(model, options.InputShapes);
        Fold(model, options);
        // One filter for every pass, so a node name copied from any report excludes it everywhere.
        var exclusions = new NodeFilter(options.ExcludeNodes, options.ExcludeOpTypes);
        var (magnitude, structured) = Prune(model, options, exclusions);
        var costAfter = ModelCost.Measure(model, options.InputShapes);
        var nodes = Quantize(model, options, exclusions);
        return new TransformOutcome(nodes, costBefore, costAfter, magnitude, structured);
    }

    /// <summary>
    /// The first step of <see cref="Apply"/>: BatchNormalization folded into Conv, unless the
    /// options change nothing (Quantize=None without pruning embeds the model as it is). Per-node
    /// error compares against a model folded the same way, so every Conv output has a counterpart.
    /// </summary>
    public static void Fold(OnnxModel model, OptimizationOptions options)
    {
        if (options.Prune != PruneMode.None || options.Quantize != QuantizeMode.None) Run(model, new BatchNormFoldingPass());
    }

    private static (MagnitudePruningReport?, StructuredPruningReport?) Prune(OnnxModel model, OptimizationOptions options, NodeFilter exclusions)
        => options.Prune switch
        {
            PruneMode.Magnitude => (Run(model, new MagnitudePruningPass(new MagnitudePruningOptions
            {
                Sparsity = options.Sparsity,
                Scope = options.PruneScope,
                Exclusions = exclusions,
            })), null),
            PruneMode.Structured => (null, Run(model, new StructuredPruningPass(new StructuredPruningOptions
            {
                Sparsity = options.Sparsity,
                Importance = options.PruneImportance,
                ChannelMultiple = options.ChannelMultiple,
                PruneOutputChannels = options.PruneOutputChannels,
                Exclusions = exclusions,
            }))),
            _ => (null, null),
        };

    private static IReadOnlyList<NodeQuantization> Quantize(OnnxModel model, OptimizationOptions options, NodeFilter exclusions)
        => options.Quantize switch
        {
            QuantizeMode.None => model.Graph.AllNodes()
                .Where(n => n.Domain.Length == 0 && QuantizableOps.Contains(n.OpType))
                .Select(n => new NodeQuantization(n.Name, n.OpType, NodePrecision.Float, null, "Quantize=None"))
                .ToArray(),
            QuantizeMode.Dynamic => Run(model, new DynamicQuantizationPass(new DynamicQuantizationOptions
            {
                PerChannel = options.PerChannel,
                Symmetric = options.Symmetric,
                ReduceRange = options.ReduceWeightRange,
                Exclusions = exclusions,
            })).Nodes,
            QuantizeMode.Static => Run(model, new StaticQuantizationPass(new StaticQuantizationOptions
            {
                PerChannel = options.PerChannel,
                Symmetric = options.Symmetric,
                ActivationType = options.ActivationType,
                ReduceWeightRange = options.ReduceWeightRange,
                CalibrationMethod = options.CalibrationMethod,
                Percentile = options.Percentile,
                Exclusions = exclusions,
            }, CalibrationDataSet.FromFolder(options.CalibrationData!), ActivationCalibrator.Instance)).Nodes,
            QuantizeMode.Int4 => Run(model, new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions
            {
                BlockSize = options.BlockSize,
                Symmetric = options.Symmetric,
                Exclusions = exclusions,
            })).Nodes,
            QuantizeMode.Float16 => Run(model, new Float16ConversionPass(new Float16ConversionOptions
            {
                KeepIoTypes = options.KeepIoTypes,
                Exclusions = exclusions,
            })).Nodes,
            _ => throw new InvalidOperationException($"Quantize={options.Quantize} reached the transformer; option parsing refuses it."),
        };

    /// <summary>
    /// Runs <paramref name="pass"/> in a pipeline of its own, which names it in any failure and
    /// upgrades the model first when the pass needs a newer opset; returns the pass's report.
    /// </summary>
    private static TReport Run<TReport>(OnnxModel model, IModelPass<TReport> pass)
        => new PassPipeline(pass).Run(model).ResultOf(pass).Report;
}
