using System.Globalization;

namespace ModelOpt.Core.Data;

/// <summary>The width and height image samples are resized to (option <c>ImageSize</c>: <c>224</c> or <c>320x48</c>, width first).</summary>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
public readonly record struct ImageSize(int Width, int Height)
{
    /// <summary>The largest side accepted: larger is surely a typo, and would allocate gigabytes per sample.</summary>
    public const int MaxSide = 16384;

    /// <summary>Parses <c>224</c> (square) or <c>WxH</c> (<c>320x48</c>, <c>x</c> or <c>X</c>); false for anything else.</summary>
    public static bool TryParse(string? text, out ImageSize size)
    {
        size = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string[] parts = text.Trim().Split('x', 'X');
        if (parts.Length > 2) return false;
        var sides = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out sides[i]) || sides[i] <= 0 || sides[i] > MaxSide) return false;
        }
        size = new ImageSize(sides[0], sides[^1]);
        return true;
    }

    /// <summary>The normalized text: <c>224x224</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");
}
