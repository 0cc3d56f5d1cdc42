using System.Reflection;

namespace ModelOpt.Cli.Tests;

/// <summary>Runs <c>modelopt</c> in process and captures what it prints; knows where the test model is.</summary>
internal static class Cli
{
    /// <summary>The pretrained ResNet18 of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18.</summary>
    public static string ResNet18Path
        => typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Path").Value!;

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = CommandDispatcher.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
