using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelOpt.TestUtilities;

/// <summary>
/// A real HTTP cache server for tests: Debian's nginx with WebDAV <c>PUT</c>, started on
/// 127.0.0.1 on a free port with its files in a scratch folder. That is Bazel's HTTP cache
/// protocol (<c>GET</c>/<c>PUT /ac/&lt;key&gt;</c>, <c>/cas/&lt;digest&gt;</c>: 200, 201, 404), which
/// bazel-remote and the other build-cache servers speak too. With a token, every request without
/// <c>Authorization: Bearer &lt;token&gt;</c> gets 401. The access log records each request's method,
/// path, status and Authorization header. Missing nginx fails the test with what to install,
/// as missing libonnx-testdata does: a cache test that skips proves nothing.
/// </summary>
public sealed class NginxCacheServer : IDisposable
{
    private static readonly string[] Binaries = ["/usr/sbin/nginx", "/usr/bin/nginx"];
    private readonly TempFolder _folder = new();
    private readonly Process _process;

    /// <summary>Starts nginx; with <paramref name="token"/>, only requests bearing it are served.</summary>
    public NginxCacheServer(string? token = null)
    {
        string binary = Binaries.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed; the HTTP cache tests need it: sudo apt-get install -y nginx-light (bash .ci/run installs it).");
        Directory.CreateDirectory(DataFolder);
        Port = FreePort();
        string prefix = _folder.Path;
        // Started as root, the worker processes would run as nobody and could not write the
        // scratch folder; 'user root' keeps them as root (nginx ignores it, with a notice, otherwise).
        string user = Environment.UserName == "root" ? "user root;" : "";
        string check = token is null ? "" : $$"""if ($http_authorization != "Bearer {{token}}") { return 401; }""";
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), $$"""
            {{user}}
            daemon off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log;
            events { worker_connections 64; }
            http {
              log_format cache '$request_method $uri $status "$http_authorization"';
              access_log {{prefix}}/access.log cache;
              client_body_temp_path {{prefix}}/body;
              server {
                listen 127.0.0.1:{{Port}};
                root {{DataFolder}};
                location / {
                  {{check}}
                  dav_methods PUT DELETE MKCOL;
                  create_full_put_path on;
                  client_max_body_size 0;
                }
              }
            }
            """);
        _process = Process.Start(new ProcessStartInfo(binary, ["-p", prefix, "-c", Path.Combine(prefix, "nginx.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("nginx did not start.");
        WaitUntilListening();
    }

    /// <summary>The port nginx listens on.</summary>
    public int Port { get; }

    /// <summary>The cache's base URL.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>The folder nginx serves: <c>ac/</c> and <c>cas/</c> appear in it.</summary>
    public string DataFolder => Path.Combine(_folder.Path, "data");

    /// <summary>
    /// The requests so far, one line each: method, path, status, the Authorization header in
    /// quotes. nginx logs a request after its response is sent, so this waits (up to 5 s) until
    /// at least <paramref name="atLeast"/> are logged.
    /// </summary>
    public IReadOnlyList<string> Requests(int atLeast = 0) => RequestsUntil(lines => lines.Length >= atLeast);

    /// <summary>The requests so far, once one of them matches <paramref name="logged"/> (waiting up to 5 s, as <see cref="Requests(int)"/>).</summary>
    public IReadOnlyList<string> Requests(Func<string, bool> logged) => RequestsUntil(lines => lines.Any(logged));

    private string[] RequestsUntil(Func<string[], bool> done)
    {
        string log = Path.Combine(_folder.Path, "access.log");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string[] lines = File.Exists(log) ? File.ReadAllLines(log) : [];
            if (done(lines) || clock.Elapsed > TimeSpan.FromSeconds(5)) return lines;
            Thread.Sleep(20);
        }
    }

    /// <summary>The server's file for <c>cas/&lt;digest&gt;</c> (to corrupt it).</summary>
    public string ContentPath(string digest) => Path.Combine(DataFolder, "cas", digest);

    /// <summary>The files under <c>cas/</c>.</summary>
    public IReadOnlyList<string> ContentFiles()
    {
        string folder = Path.Combine(DataFolder, "cas");
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    /// <summary>A port nobody listens on: a cache that is down.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _folder.Dispose();
    }

    private void WaitUntilListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process.HasExited)
            {
                string errors = _process.StandardError.ReadToEnd();
                string logFile = Path.Combine(_folder.Path, "error.log");
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}: {errors}\n{(File.Exists(logFile) ? File.ReadAllText(logFile) : "")}");
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"nginx did not listen on 127.0.0.1:{Port} within 15 s.");
    }
}
