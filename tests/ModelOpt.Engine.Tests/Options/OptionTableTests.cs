using ModelOpt.Engine.Options;

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
    public void Only_the_gate_severity_leaves_the_model_unchanged()
    {
        Assert.Equal(["AccuracyGate"], OptionTable.All.Where(d => !d.ChangesModel).Select(d => d.Metadata));
        var options = new OptimizationOptions();
        Assert.Equal(OptionTable.CanonicalText(options, modelOnly: true), OptionTable.CanonicalText(options with { AccuracyGate = GateSeverity.Warning }, modelOnly: true));
    }

    [Fact]
    public void Normalize_keeps_text_that_does_not_parse()
    {
        Assert.Equal("Statik", OptionTable.Find("quantize")!.Normalize(" Statik "));
        Assert.Equal("Static", OptionTable.Find("quantize")!.Normalize(" STATIC "));
        Assert.Equal("0.25", OptionTable.Find("sparsity")!.Normalize("2.5e-1"));
    }
}
