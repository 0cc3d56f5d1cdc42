using ModelOpt.Fuzzing;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;
using SharpFuzz;

// modelopt-fuzz reader|pipeline           under afl-fuzz: one input per run, on stdin
// modelopt-fuzz reader|pipeline FILE...   replay inputs (a crash found, a regression)
// modelopt-fuzz seeds FOLDER              write the seed models the fuzzing starts from
if (args.Length >= 2 && args[0] == "seeds")
{
    Seeds.Write(args[1]);
    return 0;
}
if (args.Length == 0 || !Enum.TryParse<FuzzTarget>(args[0], ignoreCase: true, out var target))
{
    Console.Error.WriteLine("usage: ModelOpt.Fuzzing reader|pipeline [FILE...] | seeds FOLDER");
    return 2;
}

string scratch = Path.Combine(Path.GetTempPath(), "modelopt-fuzz-" + Environment.ProcessId);
if (args.Length > 1)
{
    foreach (string file in args[1..])
    {
        RunInFreshFolder(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }
    return 0;
}
// Persistent mode: one process runs input after input, so JIT and ONNX Runtime load once.
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    RunInFreshFolder(buffer.ToArray());
});
return 0;

void RunInFreshFolder(byte[] input)
{
    if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    Directory.CreateDirectory(scratch);
    FuzzTargets.Run(target, input, scratch);
}
