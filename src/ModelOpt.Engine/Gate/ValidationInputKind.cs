namespace ModelOpt.Engine.Gate;

/// <summary>What the gate's inputs were, which says how much its verdict is worth.</summary>
public enum ValidationInputKind
{
    /// <summary>ValidationData: real inputs the optimization never saw.</summary>
    HeldOut,

    /// <summary>CalibrationData: real inputs, but the ones static quantization was calibrated on, so the verdict is optimistic.</summary>
    InSample,

    /// <summary>Generated inputs: the verdict shows the optimization computes the same function, not that it keeps accuracy on real data.</summary>
    Indicative,

    /// <summary>No inputs (the gate was off and none could be generated): nothing was compared.</summary>
    None,
}
