namespace ModelOpt.Engine.Jobs;

/// <summary>
/// One step of a job, as the report and the build log show it: what was done, how long it
/// took, and how many candidate models started from it (the shared prefix of <c>Auto</c> is done once for all trials).
/// </summary>
/// <param name="Name">The step, e.g. <c>load</c>, <c>fold</c>, <c>prune</c>.</param>
/// <param name="Detail">What it did, in a few words.</param>
/// <param name="Seconds">How long it took.</param>
/// <param name="UsedBy">How many candidate models started from its result (1 outside Auto, and for steps of one candidate).</param>
public sealed record JobStep(string Name, string Detail, double Seconds, int UsedBy)
{
    /// <summary>The step as a log line, e.g. <c>fold: 20 BatchNormalization folded (0.12 s, once for 6 candidates)</c>.</summary>
    public override string ToString()
        => System.FormattableString.Invariant($"{Name}: {Detail} ({Seconds:0.00} s{(UsedBy > 1 ? $", once for {UsedBy} candidates" : "")})");
}
