using System.Text;
using ModelOpt.Cache.Entries;
using ModelOpt.Cache.Keys;
using ModelOpt.Cache.Settings;
using ModelOpt.Cache.Stores;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cache;

/// <summary>
/// The cache tiers of one worker process, nearest first (local, shared, remote). A lookup asks
/// each tier in turn and accepts an entry only when its manifest is for the key, carries a valid
/// signature (when a signing key is set) and every output matches its SHA-256; a hit from a
/// farther tier is copied into the nearer ones. A store writes every output before the manifest
/// that names them, so a writer killed half way leaves nothing a reader accepts. A tier that
/// fails (read-only or full folder, server down) costs one warning and is left alone for the
/// rest of the process: the cache can slow a build down by at most one timeout per tier, and
/// can never fail it.
/// </summary>
public sealed class ModelCache : IDisposable
{
    private readonly IReadOnlyList<ICacheStore> _stores;
    private readonly ManifestSigner? _signer;
    private readonly TextWriter _diagnostics;
    private readonly HashSet<ICacheStore> _down = [];
    private readonly object _gate = new();

    /// <summary>A cache over <paramref name="stores"/> (nearest first); warnings go to <paramref name="diagnostics"/>.</summary>
    public ModelCache(IReadOnlyList<ICacheStore> stores, ManifestSigner? signer, TextWriter diagnostics)
    {
        _stores = stores;
        _signer = signer;
        _diagnostics = diagnostics;
    }

    /// <summary>The tiers, nearest first.</summary>
    public IReadOnlyList<ICacheStore> Stores => _stores;

    /// <summary>Whether entries are signed on write and checked on read.</summary>
    public bool Signs => _signer is not null;

    /// <summary>
    /// The cache <paramref name="settings"/> describe, or null when caching is off. A signing key
    /// variable that is not set turns the cache off with warning MOPT0403 (entries could be
    /// neither checked nor signed); a token variable that is not set warns and goes on without a
    /// token. <paramref name="where"/> is the file the warnings point at.
    /// </summary>
    public static ModelCache? Open(CacheSettings settings, TextWriter diagnostics, string? where)
    {
        if (!settings.Enabled) return null;
        ManifestSigner? signer = null;
        if (settings.SigningKeyVariable is { } keyVariable)
        {
            string? key = Environment.GetEnvironmentVariable(keyVariable);
            if (string.IsNullOrEmpty(key))
            {
                diagnostics.WriteLine($"{where ?? "modelopt"}: warning {DiagnosticCode.CacheSecretMissing}: ModelOptCacheSigningKeyVariable names the environment variable '{keyVariable}', which is not set: the cache is not used (its entries could not be checked). Set {keyVariable} to the team's signing key, or remove ModelOptCacheSigningKeyVariable.");
                return null;
            }
            signer = new ManifestSigner(Encoding.UTF8.GetBytes(key));
        }
        var stores = new List<ICacheStore>();
        if (settings.SizeLimit > 0) stores.Add(new FolderCacheStore(CacheTier.Local, settings.LocalFolder ?? CacheSettings.DefaultLocalFolder(), settings.SizeLimit));
        if (settings.SharedFolder is { } shared) stores.Add(new FolderCacheStore(CacheTier.Shared, shared));
        if (settings.Remote is { } remote)
        {
            string? token = null;
            if (settings.TokenVariable is { } tokenVariable)
            {
                token = Environment.GetEnvironmentVariable(tokenVariable);
                if (string.IsNullOrEmpty(token))
                {
                    token = null;
                    diagnostics.WriteLine($"{where ?? "modelopt"}: warning {DiagnosticCode.CacheSecretMissing}: ModelOptRemoteCacheTokenVariable names the environment variable '{tokenVariable}', which is not set: the remote cache {remote} is asked without a token. Set {tokenVariable} to the cache's bearer token.");
                }
            }
            stores.Add(new HttpCacheStore(remote, settings.RemoteMode == RemoteCacheMode.ReadWrite, token, settings.RemoteTimeout));
        }
        return new ModelCache(stores, signer, diagnostics);
    }

    /// <summary>
    /// The verified entry of <paramref name="key"/> from the nearest tier that has one, or null.
    /// Corrupt, foreign or unsigned entries are skipped with a warning; <paramref name="where"/>
    /// is the file the warnings point at.
    /// </summary>
    public CacheHit? Lookup(string key, string where)
    {
        for (int i = 0; i < _stores.Count; i++)
        {
            var store = _stores[i];
            if (IsDown(store)) continue;
            try
            {
                if (TryRead(store, key, where) is { } hit)
                {
                    Populate(_stores.Take(i).Where(s => s.CanWrite), hit, where);
                    return hit;
                }
            }
            catch (CacheStoreException e)
            {
                MarkDown(e, where);
            }
        }
        return null;
    }

    /// <summary>
    /// Stores <paramref name="outputs"/> (by name) under <paramref name="key"/> in every writable
    /// tier, with <paramref name="warnings"/> to replay on a hit; signed when a key is set.
    /// </summary>
    public void Store(string key, string toolVersion, IReadOnlyList<KeyValuePair<string, byte[]>> outputs, IReadOnlyList<string> warnings, string where)
    {
        var blobs = outputs.Select(o => (Output: new CacheOutput(o.Key, ContentDigest.Of(o.Value), o.Value.LongLength), Bytes: o.Value)).ToArray();
        var manifest = new CacheManifest(key, toolVersion, blobs.Select(b => b.Output).ToArray(), warnings);
        if (_signer is not null) manifest = _signer.Sign(manifest);
        var hit = new CacheHit(CacheTier.Local, manifest, blobs.ToDictionary(b => b.Output.Name, b => b.Bytes, StringComparer.Ordinal));
        Populate(_stores.Where(s => s.CanWrite), hit, where);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var store in _stores.OfType<IDisposable>()) store.Dispose();
    }

    private CacheHit? TryRead(ICacheStore store, string key, string where)
    {
        if (store.Get(CacheArea.ActionCache, key) is not { } manifestBytes) return null;
        var manifest = CacheManifest.Parse(manifestBytes);
        if (manifest is null || manifest.Key != key)
        {
            Warn(where, DiagnosticCode.CacheEntryCorrupt, $"the {Describe(store)} entry ac/{key} is not a manifest for this key; it was discarded and the model is looked up further or computed again.");
            store.Discard(CacheArea.ActionCache, key);
            return null;
        }
        if (_signer is not null && !_signer.Verifies(manifest))
        {
            Warn(where, DiagnosticCode.CacheEntryNotSigned, $"the {Describe(store)} entry ac/{key} is {(manifest.Signature is null ? "not signed" : "signed with another key")}; it is ignored (ModelOptCacheSigningKeyVariable is set, so only entries signed with that key are trusted).");
            return null;
        }
        var outputs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var output in manifest.Outputs)
        {
            if (store.Get(CacheArea.ContentStore, output.Digest) is not { } bytes) return null; // evicted: a plain miss
            if (bytes.LongLength != output.Size || ContentDigest.Of(bytes) != output.Digest)
            {
                Warn(where, DiagnosticCode.CacheEntryCorrupt, $"the {Describe(store)} entry cas/{output.Digest} (the {output.Name} of key {key[..12]}…) does not match its SHA-256 ({bytes.LongLength:N0} bytes read, {output.Size:N0} expected); it was discarded and the model is looked up further or computed again.");
                store.Discard(CacheArea.ContentStore, output.Digest);
                return null;
            }
            outputs[output.Name] = bytes;
        }
        return new CacheHit(store.Tier, manifest, outputs);
    }

    // Outputs first, the manifest last: a reader that finds the manifest finds every output.
    private void Populate(IEnumerable<ICacheStore> stores, CacheHit hit, string where)
    {
        foreach (var store in stores)
        {
            if (IsDown(store)) continue;
            try
            {
                foreach (var output in hit.Manifest.Outputs) store.Put(CacheArea.ContentStore, output.Digest, hit.Outputs[output.Name]);
                store.Put(CacheArea.ActionCache, hit.Manifest.Key, hit.Manifest.ToBytes());
                store.Trim();
            }
            catch (CacheStoreException e)
            {
                MarkDown(e, where);
            }
        }
    }

    private bool IsDown(ICacheStore store)
    {
        lock (_gate) return _down.Contains(store);
    }

    private void MarkDown(CacheStoreException e, string where)
    {
        lock (_gate)
        {
            if (!_down.Add(e.Store)) return;
        }
        Warn(where, DiagnosticCode.CacheTierUnavailable, $"the {Describe(e.Store)} cannot be used: {e.Message}. This build goes on without it (models are computed instead of fetched, and not stored there).");
    }

    private static string Describe(ICacheStore store) => store.Tier switch
    {
        CacheTier.Local => $"local cache '{store.Location}'",
        CacheTier.Shared => $"shared cache '{store.Location}'",
        _ => $"remote cache {store.Location}",
    };

    private void Warn(string where, string code, string message)
    {
        lock (_gate) _diagnostics.WriteLine($"{where}: warning {code}: {message}");
    }
}
