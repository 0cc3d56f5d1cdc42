using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Engine.Tests.Options;

/// <summary>The one declaration of every option: names, defaults, normalization.</summary>
public sealed class OptionTableTests
{
    [Fact]
    public void Every_option_parses_its_own_default_back()
    {
        foreach (var definition in OptionTable.All.Where(d => d.Default.Length > 0))
        {
            var parsed = definition.Apply(new OptimizationOptions(), new OptionValue(null, "test", definition.Metadata, definition.Default));
            Assert.Equal(definition.Default, definition.Read(parsed));
        }
    }

    [Fact]
    public void Names_are_unique_and_the_command_line_names_are_kebab_case()
    {
        Assert.Equal(OptionTable.All.Count, OptionTable.All.Select(d => d.Metadata).Distinct().Count());
        Assert.Equal("per-channel", OptionTable.Find("per-channel")!.Option);
        Assert.Equal("MinTopOneAgreement", OptionTable.Find("min-top-one-agreement")!.Metadata);
        Assert.Null(OptionTable.Find("PerChannel"));
    }

    [Fact]
    public void Spellings_that_mean_the_same_give_the_same_canonical_text()
    {
        static OptimizationOptions Parse(params (string, string)[] pairs)
            => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Item1, p.Item2)), null, "test");

        var a = Parse(("quantize", "Static"), ("calibration-data", "d"), ("sparsity", "0.5"), ("prune", "Magnitude"), ("exclude-nodes", "a;b"), ("input-shapes", "y=1,2;x=3"));
        var b = Parse(("quantize", "static"), ("calibration-data", "d"), ("sparsity", "0.50"), ("prune", "magnitude"), ("exclude-nodes", " a ;b; "), ("input-shapes", "x=3;y=1, 2"));
        Assert.Equal(OptionTable.CanonicalText(a), OptionTable.CanonicalText(b));
        Assert.Contains("Quantize=Static\n", OptionTable.CanonicalText(a), StringComparison.Ordinal);
        Assert.NotEqual(OptionTable.CanonicalText(a), OptionTable.CanonicalText(a with { PerChannel = false }));
    }

    [Fact]
    public void Only_the_gate_severity_and_RequireGpu_leave_the_model_unchanged()
    {
        Assert.Equal(["RequireGpu", "AccuracyGate"], OptionTable.All.Where(d => !d.ChangesModel).Select(d => d.Metadata));
        var options = new OptimizationOptions();
        Assert.Equal(OptionTable.CanonicalText(options, modelOnly: true), OptionTable.CanonicalText(options with { AccuracyGate = GateSeverity.Warning }, modelOnly: true));
        Assert.Equal(OptionTable.CanonicalText(options, modelOnly: true), OptionTable.CanonicalText(options with { RequireGpu = true }, modelOnly: true));
    }

    /// <summary>
    /// A job's result is keyed on where it really ran: Auto that resolved to the CPU, Cuda that
    /// fell back to the CPU and Cpu itself make the same model and share one key; the GPU and a
    /// CUDA deployment target each get their own.
    /// </summary>
    [Fact]
    public void The_model_key_holds_the_resolved_provider_not_the_requested_one()
    {
        var auto = new OptimizationOptions { ExecutionProvider = ExecutionProviderKind.Auto };
        var cuda = auto with { ExecutionProvider = ExecutionProviderKind.Cuda };
        var cpu = auto with { ExecutionProvider = ExecutionProviderKind.Cpu };
        string onCpu = OptionTable.ModelKey(auto, ExecutionProviderKind.Cpu);

        Assert.Equal(onCpu, OptionTable.ModelKey(cuda, ExecutionProviderKind.Cpu));
        Assert.Equal(onCpu, OptionTable.ModelKey(cpu, ExecutionProviderKind.Cpu));
        Assert.Contains("ExecutionProvider=Cpu\n", onCpu, StringComparison.Ordinal);
        Assert.NotEqual(onCpu, OptionTable.ModelKey(auto, ExecutionProviderKind.Cuda));
        Assert.NotEqual(onCpu, OptionTable.ModelKey(auto with { TargetExecutionProvider = TargetExecutionProviderKind.Cuda }, ExecutionProviderKind.Cpu));
        Assert.Equal(onCpu, OptionTable.ModelKey(auto with { RequireGpu = true }, ExecutionProviderKind.Cpu));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptionTable.ModelKey(auto, ExecutionProviderKind.Auto));
    }

    [Fact]
    public void RequireGpu_with_ExecutionProvider_Cpu_is_refused()
    {
        var e = Assert.Throws<ModelOptException>(() => OptimizationOptions.Parse(
            [KeyValuePair.Create("require-gpu", "true"), KeyValuePair.Create("execution-provider", "Cpu")], "app.csproj", "OptimizeModel 'm.onnx'"));
        Assert.Equal(DiagnosticCode.InvalidOption, e.Code);
        Assert.Contains("RequireGpu=\"true\" with ExecutionProvider=\"Cpu\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_keeps_text_that_does_not_parse()
    {
        Assert.Equal("Statik", OptionTable.Find("quantize")!.Normalize(" Statik "));
        Assert.Equal("Static", OptionTable.Find("quantize")!.Normalize(" STATIC "));
        Assert.Equal("0.25", OptionTable.Find("sparsity")!.Normalize("2.5e-1"));
    }
}
