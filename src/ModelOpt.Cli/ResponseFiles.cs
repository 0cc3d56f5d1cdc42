using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cli;

/// <summary>
/// Expands <c>@file</c> arguments: one argument per line, as the MSBuild task writes them,
/// so that paths with spaces, <c>;</c> or non-ASCII letters need no quoting.
/// </summary>
internal static class ResponseFiles
{
    public static List<string> Expand(IEnumerable<string> args)
    {
        var result = new List<string>();
        foreach (string arg in args)
        {
            if (arg.Length > 1 && arg[0] == '@')
            {
                string path = arg[1..];
                if (!File.Exists(path)) throw new ModelOptException(DiagnosticCode.FileNotReadable, path, "the response file does not exist.");
                result.AddRange(File.ReadAllLines(path).Where(line => line.Length > 0));
            }
            else
            {
                result.Add(arg);
            }
        }
        return result;
    }
}
