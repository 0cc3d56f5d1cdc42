namespace ModelOpt.Core.Reporting;

/// <summary>The fill colors and geometry of the charts (tests compute expected bars and look for these colors).</summary>
internal static class ChartStyle
{
    public const string BeforeColor = "#a0aec0";
    public const string AfterColor = "#3182ce";
    public const string NeutralColor = "#3182ce";
    public const string OkColor = "#38a169";
    public const string WarnColor = "#d69e2e";
    public const string FailColor = "#e53e3e";
    public const string ThresholdColor = "#2d3748";

    public static string StatusColor(ChartStatus status) => status switch
    {
        ChartStatus.Ok => OkColor,
        ChartStatus.Warn => WarnColor,
        ChartStatus.Fail => FailColor,
        _ => NeutralColor,
    };

    public static string StatusClass(ChartStatus status) => status switch
    {
        ChartStatus.Ok => "ok",
        ChartStatus.Warn => "warn",
        ChartStatus.Fail => "fail",
        _ => "neutral",
    };

    /// <summary>Width of every chart's viewBox.</summary>
    public const double Width = 820;

    // Before/after chart: legend row, then one group per measure (label | two bars | two values | ratio).
    public const double PairBarX = 170;
    public const double PairBarMaxWidth = 380;
    public const double PairBarHeight = 16;
    public const double PairBarGap = 4;
    public const double PairGroupHeight = 52;
    public const double PairTop = 30;
    public const double PairValueX = 560;
    public const int PairLabelChars = 24;

    // Bar chart: fixed row height, the SVG grows with the rows.
    public const double BarX = 260;
    public const double BarMaxWidth = 440;
    public const double BarRowHeight = 20;
    public const double BarHeight = 14;
    public const double BarTop = 8;
    public const double BarTopWithThreshold = 24;
    public const double BarBottom = 8;
    public const double BarValueX = BarX + BarMaxWidth + 6;
    public const int BarLabelChars = 38;

    // Scatter chart: fixed plot area.
    public const double ScatterHeight = 400;
    public const double ScatterLeft = 80;
    public const double ScatterRight = 800;
    public const double ScatterTop = 36;
    public const double ScatterBottom = 340;
    public const double PointRadius = 6;
    public const int ScatterTicks = 5;
}
