using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Engine.Tests.Options;

public sealed class OptimizationOptionsTests
{
    private static OptimizationOptions Parse(params (string Option, string Value)[] pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)), "/p/app.csproj", "OptimizeModel 'm.onnx'");

    [Fact]
    public void Defaults_are_the_contract_defaults()
    {
        var options = Parse();

        Assert.Equal(QuantizeMode.Recommended, options.Quantize);
        Assert.True(options.PerChannel);
        Assert.True(options.Symmetric);
        Assert.Equal(32, options.BlockSize);
        Assert.Equal(ResourceCompression.None, options.ResourceCompression);
        Assert.Equal((0.99, 0.0, 0.0, GateSeverity.Error), (options.MinCosineSimilarity, options.MaxAbsoluteError, options.MinTopOneAgreement, options.AccuracyGate));
        Assert.Equal((10, 600.0), (options.LatencyRuns, options.AutoTimeBudget));
        Assert.Equal(AutoObjective.Balanced, options.Objective);
    }

    [Fact]
    public void Values_parse_case_insensitively_with_lists_and_shapes()
    {
        var options = Parse(("quantize", "none"), ("per-channel", "False"), ("exclude-nodes", " a ; b;"),
            ("input-shapes", "x=1,3,224,224; mask=1,128"), ("resource-compression", "Brotli"), ("sparsity", "0"));

        Assert.Equal(QuantizeMode.None, options.Quantize);
        Assert.False(options.PerChannel);
        Assert.Equal(["a", "b"], options.ExcludeNodes);
        Assert.Equal([1L, 3, 224, 224], options.InputShapes["x"]);
        Assert.Equal([1L, 128], options.InputShapes["mask"]);
        Assert.Equal(ResourceCompression.Brotli, options.ResourceCompression);
    }

    [Theory]
    [InlineData("quantize", "Bogus", "None, Dynamic, Static, Int4, Float16, Auto")]
    [InlineData("quantize", "1", "None, Dynamic")]
    [InlineData("block-size", "48", "32, 64, 128")]
    [InlineData("sparsity", "1.5", "from 0 to 1")]
    [InlineData("per-channel", "yes", "true or false")]
    [InlineData("input-shapes", "x=1,-3", "positive whole dimensions")]
    [InlineData("channel-multiple", "2.5", "whole number")]
    public void Invalid_values_are_MOPT0011_naming_the_item_and_the_accepted_values(string option, string value, string expected)
    {
        var e = Assert.Throws<ModelOptException>(() => Parse((option, value)));

        Assert.Equal(DiagnosticCode.InvalidOption, e.Code);
        Assert.Equal("/p/app.csproj", e.FilePath);
        Assert.Contains("OptimizeModel 'm.onnx'", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distill_without_pruning_or_int8_quantization_is_MOPT0011_saying_what_to_set()
    {
        var e = Assert.Throws<ModelOptException>(() => Parse(("distill", "true"), ("quantize", "Float16")));

        Assert.Equal(DiagnosticCode.InvalidOption, e.Code);
        Assert.Contains("nothing to recover", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distillation_options_parse()
    {
        var o = Parse(("distill", "true"), ("prune", "Structured"), ("sparsity", "0.5"), ("training-data", "t"), ("epochs", "3"), ("learning-rate", "0.002"),
            ("batch-size", "8"), ("temperature", "2"), ("distill-alpha", "0.7"), ("seed", "5"), ("distill-loss", "kl"), ("distill-time-budget", "30"));

        Assert.Equal((true, "t", 3, 0.002, 8, 2.0, 0.7, 5, Core.Distillation.DistillationLoss.KL, 30.0),
            (o.Distill, o.TrainingData, o.Epochs, o.LearningRate, o.BatchSize, o.Temperature, o.DistillAlpha, o.Seed, o.DistillLoss, o.DistillTimeBudget));
    }

    [Fact]
    public void Zero_epochs_parse_as_reconstruction_only_and_negative_ones_are_MOPT0011()
    {
        Assert.Equal(0, Parse(("distill", "true"), ("prune", "Structured"), ("sparsity", "0.5"), ("epochs", "0")).Epochs);

        var e = Assert.Throws<ModelOptException>(() => Parse(("distill", "true"), ("prune", "Structured"), ("sparsity", "0.5"), ("epochs", "-1")));
        Assert.Equal(DiagnosticCode.InvalidOption, e.Code);
    }

    [Fact]
    public void Pruning_options_parse()
    {
        var o = Parse(("prune", "Structured"), ("sparsity", "0.3"), ("channel-multiple", "8"), ("prune-importance", "L2"), ("prune-output-channels", "true"), ("prune-scope", "Global"));

        Assert.Equal((PruneMode.Structured, 0.3, 8, ChannelImportance.L2, true, PruneScope.Global),
            (o.Prune, o.Sparsity, o.ChannelMultiple, o.PruneImportance, o.PruneOutputChannels, o.PruneScope));
    }

    [Theory]
    [InlineData("Magnitude", null, "needs Sparsity")]
    [InlineData("Structured", "1", "would remove every channel")]
    public void Pruning_without_a_usable_sparsity_is_MOPT0011(string mode, string? sparsity, string expected)
    {
        var pairs = sparsity is null ? new[] { ("prune", mode) } : [("prune", mode), ("sparsity", sparsity)];
        var e = Assert.Throws<ModelOptException>(() => Parse(pairs));

        Assert.Equal(DiagnosticCode.InvalidOption, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_without_calibration_data_is_data_free_not_an_error()
    {
        var options = Parse(("quantize", "Static"));

        Assert.Equal(QuantizeMode.Static, options.Quantize);
        Assert.Null(options.CalibrationData);
    }

    [Fact]
    public void Static_Int4_and_Float16_options_parse()
    {
        var options = Parse(("quantize", "Static"), ("calibration-data", "data"), ("calibration-method", "Entropy"),
            ("percentile", "99.9"), ("activation-type", "Int8"), ("block-size", "128"), ("keep-io-types", "false"));

        Assert.Equal(QuantizeMode.Static, options.Quantize);
        Assert.Equal("data", options.CalibrationData);
        Assert.Equal(ModelOpt.Core.Quantization.Static.CalibrationMethod.Entropy, options.CalibrationMethod);
        Assert.Equal(99.9, options.Percentile);
        Assert.Equal(ModelOpt.Core.Quantization.Static.ActivationType.Int8, options.ActivationType);
        Assert.Equal(128, options.BlockSize);
        Assert.False(options.KeepIoTypes);
    }

    [Fact]
    public void Unknown_options_are_refused()
    {
        var e = Assert.Throws<ModelOptException>(() => Parse(("frobnicate", "1")));

        Assert.Equal(DiagnosticCode.InvalidArgument, e.Code);
    }
}
