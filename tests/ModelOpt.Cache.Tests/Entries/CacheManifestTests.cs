using System.Text;
using ModelOpt.Cache.Entries;
using ModelOpt.Cache.Keys;

namespace ModelOpt.Cache.Tests.Entries;

public sealed class CacheManifestTests
{
    private static readonly string Key = ContentDigest.Of("key"u8);

    private static CacheManifest Sample() => new(Key, "1.0", [new("model", ContentDigest.Of([1]), 1), new("report", ContentDigest.Of([2]), 1)], ["{project}: warning MOPT0184: slower"]);

    [Fact]
    public void A_manifest_reads_back_as_written_and_equal_manifests_are_equal_bytes()
    {
        var manifest = Sample();

        var read = CacheManifest.Parse(manifest.ToBytes())!;

        Assert.Equal(manifest.ToBytes(), read.ToBytes());
        Assert.Equal(manifest.Outputs, read.Outputs);
        Assert.Equal(manifest.Warnings, read.Warnings);
        Assert.Equal(Sample().ToBytes(), manifest.ToBytes());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"format\":1")]
    [InlineData("{\"format\":2,\"key\":\"k\",\"toolVersion\":\"1\",\"outputs\":[],\"warnings\":[]}")]
    [InlineData("{\"format\":1,\"key\":\"k\",\"toolVersion\":\"1\",\"outputs\":[{\"name\":\"model\",\"digest\":\"../x\",\"size\":1}],\"warnings\":[]}")]
    public void Anything_else_is_not_a_manifest(string text) => Assert.Null(CacheManifest.Parse(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_signature_verifies_only_under_its_key_and_only_for_the_bytes_it_signed()
    {
        var signer = new ManifestSigner("team secret"u8.ToArray());
        var signed = signer.Sign(Sample());

        Assert.True(signer.Verifies(CacheManifest.Parse(signed.ToBytes())!));
        Assert.False(new ManifestSigner("other secret"u8.ToArray()).Verifies(signed));
        Assert.False(signer.Verifies(Sample()));
        // A poisoned entry: the same signature over another model digest.
        var swapped = signed with { Outputs = [new("model", ContentDigest.Of([9]), 1), signed.Outputs[1]] };
        Assert.False(signer.Verifies(swapped));
        Assert.False(signer.Verifies(signed with { Signature = "zz" + signed.Signature![2..] }));
    }
}
