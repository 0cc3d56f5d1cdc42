using ModelOpt.Cache.Keys;
using ModelOpt.Cache.Stores;

namespace ModelOpt.Cache.Tests.Stores;

public sealed class FolderCacheStoreTests
{
    [Fact]
    public void Entries_read_back_and_missing_ones_are_null()
    {
        using var folder = new TempFolder();
        var store = new FolderCacheStore(CacheTier.Shared, folder.Path);
        byte[] bytes = [1, 2, 3];
        string digest = ContentDigest.Of(bytes);

        store.Put(CacheArea.ContentStore, digest, bytes);

        Assert.Equal(bytes, store.Get(CacheArea.ContentStore, digest));
        Assert.True(File.Exists(Path.Combine(folder.Path, "cas", digest[..2], digest)));
        Assert.Null(store.Get(CacheArea.ActionCache, digest));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_name_that_is_not_a_digest_never_reaches_the_file_system()
    {
        using var folder = new TempFolder();
        var store = new FolderCacheStore(CacheTier.Local, folder.Path);

        Assert.Throws<ArgumentException>(() => store.Put(CacheArea.ActionCache, "../escape", [1]));
        Assert.Throws<ArgumentException>(() => store.Get(CacheArea.ContentStore, "../../etc/passwd"));
    }

    [Fact]
    public void Over_its_size_limit_the_least_recently_used_entries_go_first()
    {
        using var folder = new TempFolder();
        var store = new FolderCacheStore(CacheTier.Local, folder.Path, sizeLimit: 3000);
        var blobs = Enumerable.Range(0, 3).Select(i => Enumerable.Repeat((byte)i, 1000).ToArray()).ToArray();
        var digests = blobs.Select(b => ContentDigest.Of(b)).ToArray();
        var start = DateTime.UtcNow.AddHours(-3);
        for (int i = 0; i < 3; i++)
        {
            store.Put(CacheArea.ContentStore, digests[i], blobs[i]);
            File.SetLastWriteTimeUtc(store.PathOf(CacheArea.ContentStore, digests[i]), start.AddMinutes(i));
        }
        // Reading the oldest makes it the most recently used.
        Assert.NotNull(store.Get(CacheArea.ContentStore, digests[0]));
        byte[] fourth = Enumerable.Repeat((byte)9, 1000).ToArray();
        store.Put(CacheArea.ContentStore, ContentDigest.Of(fourth), fourth);
        // A temporary file an hour old belongs to a killed writer.
        string abandoned = store.PathOf(CacheArea.ContentStore, digests[2]) + ".tmp123-1";
        File.WriteAllBytes(abandoned, [1]);
        File.SetLastWriteTimeUtc(abandoned, start);

        store.Trim();

        // 4000 bytes against a limit of 3000: evicted down to 80% of it, oldest use first.
        Assert.Null(store.Get(CacheArea.ContentStore, digests[1]));
        Assert.Null(store.Get(CacheArea.ContentStore, digests[2]));
        Assert.NotNull(store.Get(CacheArea.ContentStore, digests[0]));
        Assert.NotNull(store.Get(CacheArea.ContentStore, ContentDigest.Of(fourth)));
        Assert.False(File.Exists(abandoned));
    }

    [Fact]
    public void Without_a_size_limit_nothing_is_evicted()
    {
        using var folder = new TempFolder();
        var store = new FolderCacheStore(CacheTier.Shared, folder.Path);
        byte[] bytes = new byte[10_000];
        store.Put(CacheArea.ContentStore, ContentDigest.Of(bytes), bytes);

        store.Trim();

        Assert.NotNull(store.Get(CacheArea.ContentStore, ContentDigest.Of(bytes)));
    }
}
