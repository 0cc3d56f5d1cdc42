namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>Tests that measure the process's memory run alone, so that no other test's allocations count.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;
