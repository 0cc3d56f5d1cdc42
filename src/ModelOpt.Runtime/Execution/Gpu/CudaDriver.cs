using System.Runtime.InteropServices;
using System.Text;

namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// Asks the NVIDIA driver (<c>libcuda.so.1</c>, the CUDA driver API) how many devices there are
/// and what the first is called, without ONNX Runtime: a machine with the CUDA libraries but
/// no driver or no device is told so by name, and reports name the GPU the job ran on.
/// </summary>
internal static class CudaDriver
{
    public const string Library = "libcuda.so.1";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuInit(uint flags);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuDeviceGetCount(out int count);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuDeviceGet(out int device, int ordinal);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CuDeviceGetName(byte[] name, int length, int device);

    /// <summary>
    /// The name of device <paramref name="ordinal"/> (e.g. "NVIDIA H100 80GB HBM3"), or null with
    /// <paramref name="problem"/> saying why there is none: no driver library, the driver refusing
    /// to start (CUDA error code), or no device.
    /// </summary>
    public static string? DeviceName(int ordinal, out string? problem)
    {
        if (!NativeLibrary.TryLoad(Library, out nint driver))
        {
            problem = $"the NVIDIA driver library {Library} is not installed (no NVIDIA driver on this machine)";
            return null;
        }
        // The driver library stays loaded: ONNX Runtime's CUDA provider links it anyway.
        var init = Function<CuInit>(driver, "cuInit");
        var count = Function<CuDeviceGetCount>(driver, "cuDeviceGetCount");
        var get = Function<CuDeviceGet>(driver, "cuDeviceGet");
        var name = Function<CuDeviceGetName>(driver, "cuDeviceGetName");
        if (init is null || count is null || get is null || name is null)
        {
            problem = $"{Library} lacks the driver API functions (cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName); update the NVIDIA driver";
            return null;
        }
        int status = init(0);
        if (status != 0)
        {
            // 100 is CUDA_ERROR_NO_DEVICE; others (e.g. 35, 803) mean the driver and the kernel module disagree.
            problem = status == 100 ? "the NVIDIA driver sees no CUDA device" : $"the NVIDIA driver did not start (cuInit returned CUDA error {status})";
            return null;
        }
        if (count(out int devices) != 0 || devices <= ordinal)
        {
            problem = $"the NVIDIA driver sees {devices} CUDA device(s), and device {ordinal} was asked for";
            return null;
        }
        var buffer = new byte[256];
        if (get(out int device, ordinal) != 0 || name(buffer, buffer.Length, device) != 0)
        {
            problem = null;
            return $"CUDA device {ordinal}";
        }
        problem = null;
        int end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    private static T? Function<T>(nint library, string name) where T : Delegate
        => NativeLibrary.TryGetExport(library, name, out nint address) ? Marshal.GetDelegateForFunctionPointer<T>(address) : null;
}
