using System.Globalization;

namespace ModelOpt.Core.Data;

/// <summary>The concrete shape a generated input got, and how it was chosen.</summary>
/// <param name="Name">The model input.</param>
/// <param name="Shape">The shape every generated sample of the input has.</param>
/// <param name="Source">How the open dimensions were sized.</param>
public sealed record ResolvedInputShape(string Name, IReadOnlyList<long> Shape, ShapeSource Source)
{
    /// <summary>"x=1,3,48,320 (probed)", as the summary line shows it.</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Name}={string.Join(",", Shape)} ({Source switch
        {
            ShapeSource.InputShapes => "InputShapes",
            _ => Source.ToString().ToLowerInvariant(),
        }})");
}
