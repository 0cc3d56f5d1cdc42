namespace ModelOpt.Cli.Tests;

/// <summary><c>--onnxruntime-native</c>: the process-wide option that comes before the command.</summary>
public sealed class OnnxRuntimeNativeOptionTests
{
    [Fact]
    public void A_folder_without_libonnxruntime_is_MOPT0201_before_any_command_runs()
    {
        using var folder = new TempFolder();
        var (exitCode, output, error) = Cli.Run("--onnxruntime-native", folder.Path, "inspect", folder.File("never-read.onnx"));
        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith($"{folder.Path}: error MOPT0201: the ONNX Runtime native folder '{folder.Path}' has no libonnxruntime", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_option_and_the_gpu_options()
    {
        var (_, output, _) = Cli.Run("--help");
        Assert.Contains("modelopt [--onnxruntime-native <folder>] <command>", output, StringComparison.Ordinal);
        Assert.Contains("--require-gpu true|false [false]", output, StringComparison.Ordinal);
        Assert.Contains("--target-execution-provider Cpu|Cuda [Cpu]", output, StringComparison.Ordinal);
    }
}
