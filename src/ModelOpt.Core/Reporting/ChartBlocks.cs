namespace ModelOpt.Core.Reporting;

/// <summary>
/// A chart, drawn as an inline SVG. Values that are NaN or infinite are not drawn (their text shows
/// "n/a", "∞" or "−∞"); negative values are drawn as zero-length bars but printed as they are.
/// A chart without data renders a "No data." note instead of an SVG.
/// </summary>
public abstract class ChartBlock : ReportBlock
{
    private protected ChartBlock(string title, string? caption)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
        Caption = caption;
    }

    /// <summary>The chart's title: shown over it and used as the SVG's accessible name.</summary>
    public string Title { get; }

    /// <summary>A line of explanation under the chart, or null.</summary>
    public string? Caption { get; }
}

/// <summary>One measure compared before and after optimization, for example size in MB.</summary>
public sealed class BeforeAfterGroup
{
    /// <summary>Creates the group.</summary>
    /// <param name="label">What is measured, for example "Size".</param>
    /// <param name="before">The original model's value.</param>
    /// <param name="after">The optimized model's value.</param>
    /// <param name="unit">The unit printed after the values, for example "MB"; empty for none.</param>
    public BeforeAfterGroup(string label, double before, double after, string unit = "")
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(unit);
        Label = label;
        Before = before;
        After = after;
        Unit = unit;
    }

    /// <summary>What is measured.</summary>
    public string Label { get; }

    /// <summary>The original model's value.</summary>
    public double Before { get; }

    /// <summary>The optimized model's value.</summary>
    public double After { get; }

    /// <summary>The unit, or empty.</summary>
    public string Unit { get; }
}

/// <summary>
/// Paired horizontal bars, one pair per <see cref="BeforeAfterGroup"/>. Each group is scaled to its own
/// larger value, and the ratio after/before is printed as a percentage (one decimal).
/// </summary>
public sealed class BeforeAfterBarChart : ChartBlock
{
    /// <summary>Creates the chart.</summary>
    /// <param name="title">The chart's title.</param>
    /// <param name="groups">The measures, in order.</param>
    /// <param name="beforeLabel">The legend's name for the original values.</param>
    /// <param name="afterLabel">The legend's name for the optimized values.</param>
    /// <param name="caption">A line of explanation under the chart, or null.</param>
    public BeforeAfterBarChart(string title, IReadOnlyList<BeforeAfterGroup> groups,
        string beforeLabel = "Original", string afterLabel = "Optimized", string? caption = null)
        : base(title, caption)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(beforeLabel);
        ArgumentNullException.ThrowIfNull(afterLabel);
        foreach (var group in groups) ArgumentNullException.ThrowIfNull(group, nameof(groups));
        Groups = [.. groups];
        BeforeLabel = beforeLabel;
        AfterLabel = afterLabel;
    }

    /// <summary>The measures, in order.</summary>
    public IReadOnlyList<BeforeAfterGroup> Groups { get; }

    /// <summary>The legend's name for the original values.</summary>
    public string BeforeLabel { get; }

    /// <summary>The legend's name for the optimized values.</summary>
    public string AfterLabel { get; }
}

/// <summary>The color class of a bar or point.</summary>
public enum ChartStatus
{
    /// <summary>No judgement: the neutral series color.</summary>
    Neutral,

    /// <summary>Within limits (green).</summary>
    Ok,

    /// <summary>Close to a limit (amber).</summary>
    Warn,

    /// <summary>Past a limit (red).</summary>
    Fail,
}

/// <summary>One bar of a <see cref="BarChart"/>.</summary>
public sealed class BarChartItem
{
    /// <summary>Creates the bar.</summary>
    /// <param name="label">The row's label, for example a node name.</param>
    /// <param name="value">The bar's value.</param>
    /// <param name="status">The bar's color class.</param>
    public BarChartItem(string label, double value, ChartStatus status = ChartStatus.Neutral)
    {
        ArgumentNullException.ThrowIfNull(label);
        Label = label;
        Value = value;
        Status = status;
    }

    /// <summary>The row's label.</summary>
    public string Label { get; }

    /// <summary>The bar's value.</summary>
    public double Value { get; }

    /// <summary>The bar's color class.</summary>
    public ChartStatus Status { get; }
}

/// <summary>
/// One series of horizontal bars, one fixed-height row per item (the SVG grows with the rows), scaled
/// from <see cref="Minimum"/> (default 0) to <see cref="Maximum"/> or else to the largest of the values and
/// the threshold. Values at or below the minimum draw no bar, values above the maximum a full-width bar;
/// every value is printed as it is. Long labels are shortened in the drawing; the full label is in each
/// row's tooltip.
/// </summary>
public sealed class BarChart : ChartBlock
{
    /// <summary>Creates the chart.</summary>
    /// <param name="title">The chart's title.</param>
    /// <param name="items">The bars, in order.</param>
    /// <param name="threshold">A value to mark with a vertical line (for example the gate's minimum cosine similarity), or null.</param>
    /// <param name="thresholdLabel">The threshold line's label, or null for the number alone.</param>
    /// <param name="maximum">The value at the full bar width (for example 1 for fractions), or null to use the largest value.</param>
    /// <param name="valueFormat">A .NET numeric format for the printed values (for example "P1" or "0.0000"), or null for the default.</param>
    /// <param name="unit">A unit printed after each value, or empty.</param>
    /// <param name="caption">A line of explanation under the chart, or null.</param>
    /// <param name="minimum">The value where bars start (for example 0.98 for cosine similarities close to 1); default 0.</param>
    public BarChart(string title, IReadOnlyList<BarChartItem> items, double? threshold = null, string? thresholdLabel = null,
        double? maximum = null, string? valueFormat = null, string unit = "", string? caption = null, double minimum = 0)
        : base(title, caption)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(unit);
        foreach (var item in items) ArgumentNullException.ThrowIfNull(item, nameof(items));
        if (maximum is { } max && !(max > 0 && double.IsFinite(max)))
            throw new ArgumentOutOfRangeException(nameof(maximum), max, "The maximum is a finite number above 0.");
        if (!double.IsFinite(minimum))
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum is a finite number.");
        if (maximum is { } upper && upper <= minimum)
            throw new ArgumentOutOfRangeException(nameof(maximum), upper, "The maximum is above the minimum.");
        Items = [.. items];
        Threshold = threshold;
        ThresholdLabel = thresholdLabel;
        Maximum = maximum;
        Minimum = minimum;
        ValueFormat = valueFormat;
        Unit = unit;
    }

    /// <summary>The bars, in order.</summary>
    public IReadOnlyList<BarChartItem> Items { get; }

    /// <summary>The value marked with a vertical line, or null.</summary>
    public double? Threshold { get; }

    /// <summary>The threshold line's label, or null.</summary>
    public string? ThresholdLabel { get; }

    /// <summary>The value at the full bar width, or null for the largest value.</summary>
    public double? Maximum { get; }

    /// <summary>The value where bars start; 0 unless set.</summary>
    public double Minimum { get; }

    /// <summary>The .NET numeric format of the printed values, or null for the default.</summary>
    public string? ValueFormat { get; }

    /// <summary>The unit printed after each value, or empty.</summary>
    public string Unit { get; }
}

/// <summary>One point of a <see cref="ScatterChart"/>, for example one trial of an Auto search.</summary>
public sealed class ScatterPoint
{
    /// <summary>Creates the point.</summary>
    /// <param name="label">What the point is, for example the trial's settings.</param>
    /// <param name="x">The horizontal value, for example the size.</param>
    /// <param name="y">The vertical value, for example the cosine similarity.</param>
    /// <param name="passed">Whether the point passed (green) or failed (red).</param>
    public ScatterPoint(string label, double x, double y, bool passed)
    {
        ArgumentNullException.ThrowIfNull(label);
        Label = label;
        X = x;
        Y = y;
        Passed = passed;
    }

    /// <summary>What the point is.</summary>
    public string Label { get; }

    /// <summary>The horizontal value.</summary>
    public double X { get; }

    /// <summary>The vertical value.</summary>
    public double Y { get; }

    /// <summary>Whether the point passed.</summary>
    public bool Passed { get; }
}

/// <summary>
/// Points on two linear axes, each colored by pass/fail, with an optional horizontal threshold line.
/// The axes span the finite values (and the threshold) with a small margin; points with a NaN or
/// infinite coordinate are left out of the drawing.
/// </summary>
public sealed class ScatterChart : ChartBlock
{
    /// <summary>Creates the chart.</summary>
    /// <param name="title">The chart's title.</param>
    /// <param name="xLabel">The horizontal axis' name, for example "Size (MB)".</param>
    /// <param name="yLabel">The vertical axis' name, for example "Cosine similarity".</param>
    /// <param name="points">The points, in order.</param>
    /// <param name="threshold">A y value to mark with a horizontal line, or null.</param>
    /// <param name="thresholdLabel">The threshold line's label, or null for the number alone.</param>
    /// <param name="caption">A line of explanation under the chart, or null.</param>
    public ScatterChart(string title, string xLabel, string yLabel, IReadOnlyList<ScatterPoint> points,
        double? threshold = null, string? thresholdLabel = null, string? caption = null)
        : base(title, caption)
    {
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(points);
        foreach (var point in points) ArgumentNullException.ThrowIfNull(point, nameof(points));
        XLabel = xLabel;
        YLabel = yLabel;
        Points = [.. points];
        Threshold = threshold;
        ThresholdLabel = thresholdLabel;
    }

    /// <summary>The horizontal axis' name.</summary>
    public string XLabel { get; }

    /// <summary>The vertical axis' name.</summary>
    public string YLabel { get; }

    /// <summary>The points, in order.</summary>
    public IReadOnlyList<ScatterPoint> Points { get; }

    /// <summary>The y value marked with a horizontal line, or null.</summary>
    public double? Threshold { get; }

    /// <summary>The threshold line's label, or null.</summary>
    public string? ThresholdLabel { get; }
}
