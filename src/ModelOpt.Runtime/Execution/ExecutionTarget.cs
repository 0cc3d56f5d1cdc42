using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution.Gpu;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The device a job's ONNX Runtime sessions run on, resolved once per job from the requested
/// provider (<see cref="Resolve(ExecutionProviderRequest, bool, Func{CudaReadiness})"/>) and
/// handed to the job's <see cref="SessionFactory"/>, which configures every session here
/// (<see cref="Configure"/>). Other runtimes of the job (the distiller's TorchSharp device) take
/// the same target: <see cref="IsCuda"/> and <see cref="CudaDevice"/> say which device to use.
/// </summary>
public sealed class ExecutionTarget
{
    /// <summary>ONNX Runtime's name of the CPU provider.</summary>
    public const string CpuProviderName = "CPUExecutionProvider";

    /// <summary>ONNX Runtime's name of the CUDA provider.</summary>
    public const string CudaProviderName = "CUDAExecutionProvider";

    private ExecutionTarget(string name, int? cudaDevice)
    {
        Name = name;
        CudaDevice = cudaDevice;
    }

    /// <summary>ONNX Runtime's default CPU execution provider.</summary>
    public static ExecutionTarget Cpu { get; } = new("CPU", null);

    /// <summary>The CUDA device <paramref name="ordinal"/>, called <paramref name="deviceName"/> in reports.</summary>
    public static ExecutionTarget Cuda(int ordinal, string deviceName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceName);
        return new(deviceName, ordinal);
    }

    /// <summary>The device's name for reports and messages: "CPU", or the GPU's name from the driver ("NVIDIA H100 80GB HBM3").</summary>
    public string Name { get; }

    /// <summary>The CUDA device ordinal, or null for the CPU.</summary>
    public int? CudaDevice { get; }

    /// <summary>True when sessions run on a CUDA device.</summary>
    public bool IsCuda => CudaDevice is not null;

    /// <summary>ONNX Runtime's provider name: <see cref="CpuProviderName"/> or <see cref="CudaProviderName"/>.</summary>
    public string Provider => IsCuda ? CudaProviderName : CpuProviderName;

    /// <summary>
    /// The target for <paramref name="request"/> on this machine, probing ONNX Runtime's CUDA
    /// provider once per process (<see cref="CudaProbe.Current"/>) when the request may use it.
    /// </summary>
    public static ExecutionTargetResolution Resolve(ExecutionProviderRequest request, bool requireGpu = false)
        => Resolve(request, requireGpu, () => CudaProbe.Current);

    /// <summary>
    /// The target for <paramref name="request"/> given what <paramref name="probe"/> finds:
    /// <see cref="ExecutionProviderRequest.Cpu"/> is the CPU (the probe is not asked);
    /// <see cref="ExecutionProviderRequest.Auto"/> the GPU when usable, else the CPU;
    /// <see cref="ExecutionProviderRequest.Cuda"/> the GPU when usable, else the CPU with warning
    /// MOPT0013 naming what is missing. With <paramref name="requireGpu"/>, a CUDA or Auto request
    /// without a usable GPU is error MOPT0200 instead.
    /// </summary>
    public static ExecutionTargetResolution Resolve(ExecutionProviderRequest request, bool requireGpu, Func<CudaReadiness> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (request == ExecutionProviderRequest.Cpu) return new(request, Cpu, "ExecutionProvider=\"Cpu\"", null);
        if (request is not (ExecutionProviderRequest.Auto or ExecutionProviderRequest.Cuda))
        {
            throw new ArgumentOutOfRangeException(nameof(request), request, "unknown execution provider request");
        }

        var readiness = probe();
        if (readiness.Usable) return new(request, Cuda(0, readiness.DeviceName!), $"ExecutionProvider=\"{request}\": CUDA device 0 usable", null);

        string missing = readiness.Describe();
        string reason = $"ExecutionProvider=\"{request}\": no usable GPU ({missing})";
        if (requireGpu)
        {
            return new(request, Cpu, reason, new ExecutionTargetDiagnostic(DiagnosticCode.GpuRequiredButUnavailable,
                $"RequireGpu is true and ExecutionProvider=\"{request}\" found no usable GPU: {missing}. Fix the GPU setup, or set ModelOptRequireGpu to false to run on the CPU.", IsError: true));
        }
        return request == ExecutionProviderRequest.Cuda
            ? new(request, Cpu, reason, new ExecutionTargetDiagnostic(DiagnosticCode.CudaFallsBackToCpu,
                $"ExecutionProvider=\"Cuda\" found no usable GPU: {missing}. Calibration, the accuracy gate and latency run on the CPU; the model is the one a CPU build makes.", IsError: false))
            : new(request, Cpu, reason, null);
    }

    /// <summary>Adds this target's execution provider to <paramref name="options"/>: nothing for the CPU, which ONNX Runtime always has; the CUDA provider for a GPU.</summary>
    internal void Configure(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (CudaDevice is int device) AppendCuda(options, device);
    }

    /// <summary>
    /// Appends the CUDA provider for <paramref name="device"/> with the settings that keep results
    /// repeatable: cuDNN's default convolution algorithm rather than one chosen by timing
    /// (<c>cudnn_conv_algo_search=DEFAULT</c>; EXHAUSTIVE can pick a different algorithm per run),
    /// no TF32 (whose 10-bit mantissa would move calibration ranges by about 1e-3), and ONNX
    /// Runtime's deterministic compute (no reductions whose order depends on thread timing).
    /// </summary>
    internal static void AppendCuda(SessionOptions options, int device)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>
        {
            ["device_id"] = device.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = "DEFAULT",
            ["use_tf32"] = "0",
        });
        options.AppendExecutionProvider_CUDA(cuda);
        // The session config entry for OrtApi::SetDeterministicCompute, which the managed layer lacks.
        options.AddSessionConfigEntry("session.use_deterministic_compute", "1");
    }

    /// <inheritdoc/>
    public override string ToString() => IsCuda ? $"{Name} ({Provider})" : $"CPU ({Provider})";
}
