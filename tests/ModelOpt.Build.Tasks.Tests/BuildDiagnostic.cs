namespace ModelOpt.Build.Tasks.Tests;

/// <summary>One error or warning of a build, as MSBuild printed it.</summary>
internal readonly record struct BuildDiagnostic(string File, string Kind, string Code, string Text);
