namespace ModelOpt.Core.Float16;

/// <summary>The precision chosen for one node, before anything changes.</summary>
/// <param name="Name">The node's name as reports show it (its first output's name when it has none), taken before casts rename outputs.</param>
/// <param name="Converted">True: the node computes in FLOAT16. False: it stays in FLOAT.</param>
/// <param name="Reason">Why it stays in FLOAT; null when converted.</param>
/// <param name="Reported">True when the node reads or writes a FLOAT tensor, so the report lists it.</param>
internal sealed record NodeDecision(string Name, bool Converted, string? Reason, bool Reported);
