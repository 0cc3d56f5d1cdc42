using ModelOpt.Cache.Keys;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>A job names its data folders by content once: the cache key and the report's model key share the digest.</summary>
public sealed class PathDigestTests
{
    [Fact]
    public void A_folder_is_digested_once_per_job()
    {
        using var folder = new TempFolder();
        string data = Directory.CreateDirectory(folder.File("data")).FullName;
        File.WriteAllText(Path.Combine(data, "a.txt"), "first");
        var options = OptimizationOptions.Parse([], null, "test");
        using var sessions = new SessionFactory();
        using var context = new JobContext(new OptimizationJob(folder.File("m.onnx"), folder.File("out.onnx"), null, null, null, options), TextWriter.Null, sessions);

        string first = context.PathDigest(data);
        Assert.Equal(CacheKeyBuilder.DigestOfPath(data), first);
        // Within the job the folder is not read again (a change after the first read does not show);
        // a new job reads it afresh.
        File.WriteAllText(Path.Combine(data, "a.txt"), "second");
        Assert.Equal(first, context.PathDigest(data));
        Assert.NotEqual(first, CacheKeyBuilder.DigestOfPath(data));
    }
}
