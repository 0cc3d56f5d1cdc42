namespace ModelOpt.Engine.Options;

/// <summary>How an option's text is parsed and normalized.</summary>
public enum OptionKind
{
    /// <summary>One name of an enum, case-insensitive (<c>Static</c> and <c>static</c> are the same).</summary>
    Enum,

    /// <summary><c>true</c> or <c>false</c>, case-insensitive.</summary>
    Bool,

    /// <summary>A number in a range, invariant culture.</summary>
    Number,

    /// <summary>A file or folder; relative to the project in a build, passed to the worker as a full path.</summary>
    Path,

    /// <summary>A <c>;</c>-separated list of names.</summary>
    List,

    /// <summary><c>name=d1,d2,…</c> entries separated by <c>;</c>.</summary>
    Shapes,

    /// <summary>An image size: <c>224</c> (square) or <c>WxH</c>, normalized to <c>224x224</c>.</summary>
    Size,

    /// <summary>Numbers separated by <c>,</c>, invariant culture, e.g. per-channel means.</summary>
    Numbers,
}
