using System.Globalization;

namespace ModelOpt.Engine.Options;

/// <summary>
/// One option of a model's optimization, declared once in <see cref="OptionTable"/>: its
/// <c>OptimizeModel</c> metadata name, its <c>modelopt optimize</c> option, how its text is
/// parsed and normalized, where the parsed value goes in <see cref="OptimizationOptions"/>, and
/// whether it changes the optimized model's bytes.
/// </summary>
public sealed class OptionDefinition
{
    private readonly Func<OptimizationOptions, OptionValue, OptimizationOptions> _apply;
    private readonly Func<OptimizationOptions, string> _read;

    internal OptionDefinition(string metadata, OptionKind kind, bool changesModel, string? projectProperty, string[] values,
        Func<OptimizationOptions, OptionValue, OptimizationOptions> apply, Func<OptimizationOptions, string> read)
    {
        Metadata = metadata;
        Kind = kind;
        ChangesModel = changesModel;
        ProjectProperty = projectProperty;
        Values = values;
        _apply = apply;
        _read = read;
        Option = ToKebabCase(metadata);
    }

    /// <summary>The item metadata name, e.g. <c>PerChannel</c>.</summary>
    public string Metadata { get; }

    /// <summary>The command-line option without dashes, e.g. <c>per-channel</c>.</summary>
    public string Option { get; }

    /// <summary>How the text is parsed and normalized.</summary>
    public OptionKind Kind { get; }

    /// <summary>
    /// Whether the value can change the optimized model's bytes. False only for options that
    /// judge or describe the result without shaping it (the gate's severity): a cache of models
    /// keys on the others alone.
    /// </summary>
    public bool ChangesModel { get; }

    /// <summary>The project property (<c>ModelOpt…</c>) that sets this option for every item of a project, or null.</summary>
    public string? ProjectProperty { get; }

    /// <summary>The accepted names of an <see cref="OptionKind.Enum"/> option, canonical case; empty otherwise.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The default, as normalized text: what an option left unset means.</summary>
    public string Default => _read(new OptimizationOptions());

    /// <summary>Parses <paramref name="value"/> into <paramref name="options"/>; a bad value throws MOPT0011.</summary>
    public OptimizationOptions Apply(OptimizationOptions options, OptionValue value) => _apply(options, value);

    /// <summary>This option's value in <paramref name="options"/>, as normalized text (the form hashes and reports use).</summary>
    public string Read(OptimizationOptions options) => _read(options);

    /// <summary>
    /// The canonical text of a raw value, so that equal options hash equally: enum names in their
    /// declared case, booleans lowercase, numbers in invariant round-trip form, lists and shapes
    /// trimmed. Text that does not parse is returned trimmed (parsing reports it).
    /// </summary>
    public string Normalize(string text)
    {
        text = text.Trim();
        try
        {
            return Read(Apply(new OptimizationOptions(), new OptionValue(null, "", Metadata, text)));
        }
        catch (Onnx.Diagnostics.ModelOptException)
        {
            return text;
        }
    }

    internal static string Format(double number) => number.ToString("R", CultureInfo.InvariantCulture);

    internal static string Format(bool value) => value ? "true" : "false";

    private static string ToKebabCase(string name)
    {
        var text = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && text.Length > 0) text.Append('-');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
