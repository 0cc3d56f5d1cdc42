using ModelOpt.Cache.Entries;
using ModelOpt.Cache.Keys;
using ModelOpt.Cache.Settings;
using ModelOpt.Cache.Stores;
using ModelOpt.Cache.Tests.Stores;
using static ModelOpt.Cache.Tests.CacheFixtures;

namespace ModelOpt.Cache.Tests;

/// <summary>The tiers together, and the faults a cache must survive: corrupt and truncated entries, interrupted writes, full and unwritable folders, concurrent writers.</summary>
public sealed class ModelCacheTests
{
    private const string Project = "/src/app/app.csproj";

    [Fact]
    public void A_stored_job_is_a_hit_and_another_key_is_a_miss()
    {
        using var folder = new TempFolder();
        var log = new StringWriter();
        var cache = new ModelCache([new FolderCacheStore(CacheTier.Local, folder.Path, 1 << 30)], null, log);
        var outputs = Outputs();

        cache.Store(Key(), ToolVersion, outputs, ["{project}: warning MOPT0184: slower"], Project);
        var hit = cache.Lookup(Key(), Project);

        AssertHit(hit, outputs);
        Assert.Equal(CacheTier.Local, hit!.Tier);
        Assert.Equal(["{project}: warning MOPT0184: slower"], hit.Manifest.Warnings);
        Assert.Null(cache.Lookup(Key("other"), Project));
        Assert.Equal("", log.ToString());
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("empty")]
    public void A_corrupt_or_truncated_blob_is_a_warning_is_discarded_and_the_next_store_repairs_it(string damage)
    {
        using var folder = new TempFolder();
        var log = new StringWriter();
        var store = new FolderCacheStore(CacheTier.Shared, folder.Path);
        var cache = new ModelCache([store], null, log);
        var outputs = Outputs();
        cache.Store(Key(), ToolVersion, outputs, [], Project);
        string blob = store.PathOf(CacheArea.ContentStore, ContentDigest.Of(outputs[0].Value));
        byte[] bytes = File.ReadAllBytes(blob);
        File.WriteAllBytes(blob, damage switch
        {
            "flip" => [.. bytes[..100], (byte)(bytes[100] ^ 1), .. bytes[101..]],
            "truncate" => bytes[..(bytes.Length / 2)],
            _ => [],
        });

        Assert.Null(cache.Lookup(Key(), Project));

        var warning = Assert.Single(Warnings(log, "MOPT0400"));
        Assert.StartsWith($"{Project}: warning MOPT0400: the shared cache '{folder.Path}' entry cas/{ContentDigest.Of(outputs[0].Value)} (the model of key", warning, StringComparison.Ordinal);
        Assert.False(File.Exists(blob), "a corrupt blob must be discarded");
        cache.Store(Key(), ToolVersion, outputs, [], Project);
        AssertHit(cache.Lookup(Key(), Project), outputs);
    }

    [Fact]
    public void A_manifest_that_is_not_one_or_names_another_key_is_discarded_with_a_warning()
    {
        using var folder = new TempFolder();
        var log = new StringWriter();
        var store = new FolderCacheStore(CacheTier.Local, folder.Path, 1 << 20);
        var cache = new ModelCache([store], null, log);
        cache.Store(Key("a"), ToolVersion, Outputs(), [], Project);
        // Key b's entry holds a's manifest: a poisoned or misplaced entry.
        store.Put(CacheArea.ActionCache, Key("b"), store.Get(CacheArea.ActionCache, Key("a"))!);
        store.Put(CacheArea.ActionCache, Key("c"), "{\"format\":1,\"key\":"u8.ToArray());

        Assert.Null(cache.Lookup(Key("b"), Project));
        Assert.Null(cache.Lookup(Key("c"), Project));
        Assert.Equal(2, Warnings(log, "MOPT0400").Length);
        Assert.Null(store.Get(CacheArea.ActionCache, Key("c")));
    }

    /// <summary>
    /// A writer killed at any point of a store: every write before it complete, the one it was in
    /// cut off half way and left as a temporary file (a killed process runs no cleanup). Nothing
    /// of it is ever a hit, the next build stores the job whole, and no warning is due.
    /// </summary>
    [Fact]
    public void A_store_interrupted_at_any_write_leaves_nothing_a_later_build_uses()
    {
        var outputs = Outputs();
        const int Writes = 3; // model blob, report blob, then the manifest
        for (int interrupted = 0; interrupted < Writes; interrupted++)
        {
            using var folder = new TempFolder();
            int writes = 0;
            string? partial = null;
            var dying = new FolderCacheStore(CacheTier.Shared, folder.Path, 0, stream =>
            {
                if (writes++ != interrupted) return stream;
                partial = ((FileStream)stream).Name;
                return new FaultingStream(stream, 100);
            });
            new ModelCache([dying], null, TextWriter.Null).Store(Key(), ToolVersion, outputs, [], Project);
            // What the killed process left: the cut-off temporary file (AtomicFile deleted its own on the exception).
            File.WriteAllBytes(partial!, new byte[100]);

            var log = new StringWriter();
            var next = new ModelCache([new FolderCacheStore(CacheTier.Shared, folder.Path)], null, log);
            Assert.Null(next.Lookup(Key(), Project));
            Assert.Empty(Warnings(log, "MOPT0400"));

            next.Store(Key(), ToolVersion, outputs, [], Project);
            AssertHit(next.Lookup(Key(), Project), outputs);
        }
    }

    [Fact]
    public void A_full_disk_costs_one_warning_and_the_tier_is_left_alone_afterwards()
    {
        using var folder = new TempFolder();
        var log = new StringWriter();
        var full = new FolderCacheStore(CacheTier.Shared, folder.Path, 0, stream => new FaultingStream(stream, 0));
        var cache = new ModelCache([full], null, log);

        cache.Store(Key("a"), ToolVersion, Outputs(1), [], Project);
        cache.Store(Key("b"), ToolVersion, Outputs(2), [], Project);

        var warning = Assert.Single(Warnings(log, "MOPT0401"));
        Assert.Contains("No space left on device", warning, StringComparison.Ordinal);
        Assert.Contains("This build goes on without it", warning, StringComparison.Ordinal);
        Assert.Null(cache.Lookup(Key("a"), Project));
        Assert.Empty(Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_folder_that_cannot_be_written_costs_one_warning_and_the_other_tiers_still_work()
    {
        using var folder = new TempFolder();
        // A file where the folder should be: creating anything below it fails (as a read-only
        // mount does; permission bits would not stop the root user that CI runs as).
        string blocked = folder.File("blocked");
        File.WriteAllText(blocked, "not a folder");
        var log = new StringWriter();
        var local = new FolderCacheStore(CacheTier.Local, folder.File("local"), 1 << 20);
        var cache = new ModelCache([local, new FolderCacheStore(CacheTier.Shared, blocked)], null, log);
        var outputs = Outputs();

        cache.Store(Key(), ToolVersion, outputs, [], Project);
        cache.Store(Key("b"), ToolVersion, outputs, [], Project);

        var warning = Assert.Single(Warnings(log, "MOPT0401"));
        Assert.Contains($"the shared cache '{blocked}' cannot be used", warning, StringComparison.Ordinal);
        AssertHit(cache.Lookup(Key(), Project), outputs);
    }

    [Fact]
    public void A_hit_in_the_shared_folder_fills_the_local_one()
    {
        using var folder = new TempFolder();
        var shared = new FolderCacheStore(CacheTier.Shared, folder.File("shared"));
        var outputs = Outputs();
        new ModelCache([shared], null, TextWriter.Null).Store(Key(), ToolVersion, outputs, [], Project);
        var local = new FolderCacheStore(CacheTier.Local, folder.File("local"), 1 << 20);

        var hit = new ModelCache([local, shared], null, TextWriter.Null).Lookup(Key(), Project);

        Assert.Equal(CacheTier.Shared, hit!.Tier);
        var again = new ModelCache([local], null, TextWriter.Null).Lookup(Key(), Project);
        Assert.Equal(CacheTier.Local, again!.Tier);
        AssertHit(again, outputs);
    }

    [Fact]
    public void With_a_signing_key_unsigned_and_foreign_entries_are_ignored_with_a_warning()
    {
        using var folder = new TempFolder();
        var store = new FolderCacheStore(CacheTier.Shared, folder.Path);
        var outputs = Outputs();
        new ModelCache([store], null, TextWriter.Null).Store(Key("unsigned"), ToolVersion, outputs, [], Project);
        new ModelCache([store], new ManifestSigner("intruder"u8.ToArray()), TextWriter.Null).Store(Key("foreign"), ToolVersion, outputs, [], Project);
        var log = new StringWriter();
        var team = new ModelCache([store], new ManifestSigner("team key"u8.ToArray()), log);
        team.Store(Key("signed"), ToolVersion, outputs, [], Project);

        Assert.Null(team.Lookup(Key("unsigned"), Project));
        Assert.Null(team.Lookup(Key("foreign"), Project));
        AssertHit(team.Lookup(Key("signed"), Project), outputs);
        var warnings = Warnings(log, "MOPT0402");
        Assert.Equal(2, warnings.Length);
        Assert.Contains("is not signed", warnings[0], StringComparison.Ordinal);
        Assert.Contains("is signed with another key", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Four_concurrent_writers_and_readers_of_one_key_never_see_a_broken_entry()
    {
        using var folder = new TempFolder();
        var outputs = Outputs();
        var log = new StringWriter();
        var hits = new System.Collections.Concurrent.ConcurrentBag<CacheHit>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            // Each worker its own process-like cache over the one shared folder.
            var cache = new ModelCache([new FolderCacheStore(CacheTier.Shared, folder.Path)], null, TextWriter.Synchronized(log));
            for (int round = 0; round < 25; round++)
            {
                if (cache.Lookup(Key(), Project) is { } hit) hits.Add(hit);
                cache.Store(Key(), ToolVersion, outputs, [], Project);
            }
        });

        Assert.Equal("", log.ToString());
        Assert.NotEmpty(hits);
        foreach (var hit in hits) AssertHit(hit, outputs);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Caching_off_opens_no_cache_and_a_missing_signing_key_turns_it_off_with_a_warning()
    {
        var log = new StringWriter();
        Assert.Null(ModelCache.Open(new CacheSettings { Enabled = false }, log, Project));

        string variable = "MODELOPT_TEST_UNSET_" + Guid.NewGuid().ToString("N");
        Assert.Null(ModelCache.Open(new CacheSettings().With("cache-signing-key-variable", variable, Project), log, Project));

        var warning = Assert.Single(Warnings(log, "MOPT0403"));
        Assert.Contains($"'{variable}', which is not set", warning, StringComparison.Ordinal);
    }
}
