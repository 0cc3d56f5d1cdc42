namespace ModelOpt.Core.Data;

/// <summary>
/// What a <see cref="SampleSet"/> read from a folder is for. The samples are the same either way;
/// the purpose decides the diagnostic of a missing or empty folder, since validation can fall
/// back to generated inputs and calibration cannot.
/// </summary>
public enum SamplePurpose
{
    /// <summary>Static quantization's calibration: a bad folder is MOPT0130.</summary>
    Calibration,

    /// <summary>The accuracy gate and <c>modelopt compare</c>: a bad folder is MOPT0181.</summary>
    Validation,

    /// <summary>Distillation's training samples: a bad folder is MOPT0341.</summary>
    Training,
}
