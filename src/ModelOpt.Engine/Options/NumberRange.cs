using System.Globalization;

namespace ModelOpt.Engine.Options;

/// <summary>The numbers an option accepts: a closed range, optionally whole numbers only or a fixed set.</summary>
/// <param name="Min">The smallest accepted value.</param>
/// <param name="Max">The largest accepted value.</param>
/// <param name="Integer">Whole numbers only.</param>
/// <param name="Allowed">When set, only these values.</param>
public sealed record NumberRange(double Min, double Max, bool Integer = false, long[]? Allowed = null)
{
    /// <summary>Whether <paramref name="number"/> is accepted.</summary>
    public bool Contains(double number)
        => !double.IsNaN(number) && number >= Min && number <= Max
           && (!Integer || number == Math.Floor(number))
           && (Allowed is null || Allowed.Contains((long)number));

    /// <summary>The accepted values in words, for error messages and help.</summary>
    public string Describe()
        => Allowed is not null
            ? string.Join(", ", Allowed)
            : $"a {(Integer ? "whole " : "")}number from {Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}";
}
