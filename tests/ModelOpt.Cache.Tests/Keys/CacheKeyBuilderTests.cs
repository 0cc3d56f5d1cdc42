using ModelOpt.Cache.Keys;

namespace ModelOpt.Cache.Tests.Keys;

public sealed class CacheKeyBuilderTests
{
    [Fact]
    public void Fields_are_framed_so_moving_text_between_them_changes_the_key()
    {
        using var a = new CacheKeyBuilder();
        using var b = new CacheKeyBuilder();

        string first = a.Add("x", "ab").Add("y", "c").Finish();
        string second = b.Add("x", "a").Add("y", "bc").Finish();

        Assert.NotEqual(first, second);
        Assert.True(ContentDigest.IsDigest(first));
    }

    [Fact]
    public void A_data_folder_counts_by_relative_names_and_contents_not_by_place_or_time()
    {
        using var one = new TempFolder();
        using var two = new TempFolder();
        foreach (var root in new[] { one.Path, two.Path })
        {
            Directory.CreateDirectory(Path.Combine(root, "data", "sub"));
            File.WriteAllText(Path.Combine(root, "data", "b.npy"), "second");
            File.WriteAllText(Path.Combine(root, "data", "sub", "a.npy"), "first");
        }
        File.SetLastWriteTimeUtc(Path.Combine(two.Path, "data", "b.npy"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        string digest = CacheKeyBuilder.DigestOfPath(Path.Combine(one.Path, "data"));
        Assert.Equal(digest, CacheKeyBuilder.DigestOfPath(Path.Combine(two.Path, "data")));

        // A renamed file, or one changed byte, is other data.
        File.Move(Path.Combine(two.Path, "data", "b.npy"), Path.Combine(two.Path, "data", "c.npy"));
        Assert.NotEqual(digest, CacheKeyBuilder.DigestOfPath(Path.Combine(two.Path, "data")));
        File.WriteAllText(Path.Combine(one.Path, "data", "b.npy"), "secont");
        Assert.NotEqual(digest, CacheKeyBuilder.DigestOfPath(Path.Combine(one.Path, "data")));
    }

    [Fact]
    public void A_file_counts_by_its_content()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("m.onnx"), [1, 2, 3]);

        Assert.Equal(ContentDigest.Of([1, 2, 3]), CacheKeyBuilder.DigestOfPath(folder.File("m.onnx")));
        Assert.Equal(ContentDigest.Of([1, 2, 3]), ContentDigest.OfFile(folder.File("m.onnx")));
        Assert.Equal("missing", CacheKeyBuilder.DigestOfPath(folder.File("none")));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("abc")]
    public void Only_lowercase_sha256_names_are_digests(string name) => Assert.False(ContentDigest.IsDigest(name));
}
