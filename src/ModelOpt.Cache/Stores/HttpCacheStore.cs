using System.Net;
using System.Net.Http.Headers;
using ModelOpt.Cache.Keys;

namespace ModelOpt.Cache.Stores;

/// <summary>
/// A remote tier speaking Bazel's HTTP cache protocol: <c>GET</c>/<c>PUT</c>
/// <c>&lt;base&gt;/ac/&lt;key&gt;</c> and <c>&lt;base&gt;/cas/&lt;digest&gt;</c>; 200 is a hit, 404 a
/// miss. bazel-remote, nginx or Apache with WebDAV, Buildbarn and the hosted build caches all
/// serve it. Requests time out, and transient failures (connection errors, 5xx, 408, 429) are
/// retried with backoff before the tier counts as down.
/// </summary>
public sealed class HttpCacheStore : ICacheStore, IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly string? _token;
    private readonly int _attempts;
    private readonly TimeSpan _backoff;

    /// <summary>
    /// A remote tier at <paramref name="baseUri"/>; <paramref name="token"/>, when given, goes in
    /// an <c>Authorization: Bearer</c> header. <paramref name="handler"/> lets tests see requests.
    /// </summary>
    public HttpCacheStore(Uri baseUri, bool canWrite, string? token, TimeSpan timeout, int attempts = 3, TimeSpan? backoff = null, HttpMessageHandler? handler = null)
    {
        _base = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        CanWrite = canWrite;
        _token = token;
        _attempts = Math.Max(1, attempts);
        _backoff = backoff ?? TimeSpan.FromMilliseconds(200);
        _client = handler is null ? new HttpClient() : new HttpClient(handler);
        _client.Timeout = timeout;
    }

    /// <inheritdoc/>
    public CacheTier Tier => CacheTier.Remote;

    /// <inheritdoc/>
    public string Location => _base.AbsoluteUri;

    /// <inheritdoc/>
    public bool CanWrite { get; }

    /// <summary>The URL of an entry.</summary>
    public Uri UriOf(CacheArea area, string name)
    {
        if (!ContentDigest.IsDigest(name)) throw new ArgumentException($"'{name}' is not a SHA-256 digest.", nameof(name));
        return new Uri(_base, (area == CacheArea.ActionCache ? "ac/" : "cas/") + name);
    }

    /// <inheritdoc/>
    public byte[]? Get(CacheArea area, string name)
    {
        var uri = UriOf(area, name);
        using var response = Send(() => new HttpRequestMessage(HttpMethod.Get, uri));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw Failure("GET", uri, response);
        try
        {
            using var body = response.Content.ReadAsStream();
            using var bytes = new MemoryStream();
            body.CopyTo(bytes);
            return bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or TaskCanceledException)
        {
            throw new CacheStoreException(this, $"GET {uri} broke off: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Put(CacheArea area, string name, byte[] bytes)
    {
        var uri = UriOf(area, name);
        using var response = Send(() => new HttpRequestMessage(HttpMethod.Put, uri)
        {
            Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
        });
        if (!response.IsSuccessStatusCode) throw Failure("PUT", uri, response);
    }

    /// <inheritdoc/>
    /// <remarks>The protocol has no delete: a corrupt blob stays until the recomputed one is uploaded over it.</remarks>
    public void Discard(CacheArea area, string name)
    {
    }

    /// <inheritdoc/>
    /// <remarks>The server manages its own size.</remarks>
    public void Trim()
    {
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private HttpResponseMessage Send(Func<HttpRequestMessage> create)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var request = create();
            if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            try
            {
                // The whole body within the timeout: a server that stalls mid-blob cannot hang the build.
                var response = _client.Send(request, HttpCompletionOption.ResponseContentRead);
                if (attempt >= _attempts || !IsTransient(response.StatusCode)) return response;
                response.Dispose();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                if (attempt >= _attempts)
                {
                    string why = e is TaskCanceledException ? $"no answer within {_client.Timeout.TotalSeconds:0.#} s" : e.Message;
                    throw new CacheStoreException(this, $"{request.Method} {request.RequestUri} failed after {attempt} attempts: {why}", e);
                }
            }
            Thread.Sleep(_backoff * attempt);
        }
    }

    private static bool IsTransient(HttpStatusCode status)
        => (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private CacheStoreException Failure(string method, Uri uri, HttpResponseMessage response)
    {
        string hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? " (check the token that ModelOptRemoteCacheTokenVariable names)"
            : "";
        return new CacheStoreException(this, $"{method} {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}{hint}");
    }
}
