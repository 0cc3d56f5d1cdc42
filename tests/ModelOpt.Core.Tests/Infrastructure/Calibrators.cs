using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>Calibrators for tests, as the engine makes them but on a factory of their own.</summary>
internal static class Calibrators
{
    /// <summary>
    /// A calibrator on a new CPU session factory. It releases its session when each calibration
    /// ends, so the factory holds nothing afterwards and needs no disposal.
    /// </summary>
    public static ActivationCalibrator Cpu() => new(new SessionFactory());
}
