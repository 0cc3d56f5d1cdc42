using System.Security.Cryptography;

namespace ModelOpt.Cache.Entries;

/// <summary>
/// Signs manifests with HMAC-SHA256 under a team's secret key, so a shared or remote cache that
/// someone else can write to cannot slip a model into a build: the manifest names every output
/// by digest and every output is checked against its digest, so the signature covers them all.
/// </summary>
public sealed class ManifestSigner
{
    private readonly byte[] _key;

    /// <summary>A signer with <paramref name="key"/> (the secret's UTF-8 bytes).</summary>
    public ManifestSigner(byte[] key)
    {
        _key = key;
    }

    /// <summary><paramref name="manifest"/> with its signature.</summary>
    public CacheManifest Sign(CacheManifest manifest) => manifest with { Signature = Compute(manifest) };

    /// <summary>Whether <paramref name="manifest"/> carries this key's signature (compared in constant time).</summary>
    public bool Verifies(CacheManifest manifest)
    {
        if (manifest.Signature is not { Length: 64 } signature) return false;
        byte[] expected = Convert.FromHexString(Compute(manifest));
        byte[] actual;
        try
        {
            actual = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private string Compute(CacheManifest manifest) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, manifest.ToBytes(signed: false)));
}
