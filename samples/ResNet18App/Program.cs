using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

// The optimized model comes out of the assembly through the accessor that ModelOpt.Build generated.
byte[] optimized = ResNet18App.OptimizedModels.ResNet18.ReadAllBytes();

string folder = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNetFolder").Value!;
string originalPath = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx");
string preprocessPath = Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
long originalBytes = new FileInfo(originalPath).Length;
Console.WriteLine($"ResNet18: original {originalBytes / 1e6:F1} MB, embedded optimized {optimized.Length / 1e6:F1} MB ({100.0 * optimized.Length / originalBytes:F0}%)");

using var preprocess = new InferenceSession(preprocessPath);
using var original = new InferenceSession(originalPath);
using var quantized = new InferenceSession(optimized);

// Five 224x224 crops of the photograph shipped with the sample (centre and corners).
using var image = Image.Load<Rgb24>(Path.Combine(AppContext.BaseDirectory, "chelsea.png"));
var crops = new[] { (0.5, 0.5), (0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0) };
double worstCosine = 1;
foreach (var (fx, fy) in crops)
{
    var pixels = Crop(image, fx, fy);
    var input = Run(preprocess, pixels);
    float[] expected = Run(original, input).ToArray();
    float[] actual = Run(quantized, input).ToArray();
    double cosine = Cosine(expected, actual);
    double maxAbs = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
    worstCosine = Math.Min(worstCosine, cosine);
    Console.WriteLine($"crop at ({fx:F1},{fy:F1}): {expected.Length} features, cosine similarity {cosine:F5}, max abs difference {maxAbs:F4}");
}

// Latency of both on this machine, measured in the same loop (one after the other, 20 times each
// after warm-up), so load from the rest of the machine slows both alike.
var sample = Run(preprocess, Crop(image, 0.5, 0.5));
var (originalMs, optimizedMs) = MedianMilliseconds(original, quantized, sample, runs: 20);
Console.WriteLine($"latency (ONNX Runtime CPU, median of 20): original {originalMs:F1} ms, optimized {optimizedMs:F1} ms (x{optimizedMs / originalMs:F2})");
Console.WriteLine(worstCosine >= 0.99 ? "The optimized model answers like the original." : "The optimized model drifted from the original.");
return worstCosine >= 0.99 ? 0 : 1;

static (double Original, double Optimized) MedianMilliseconds(InferenceSession a, InferenceSession b, DenseTensor<float> input, int runs)
{
    for (int i = 0; i < 3; i++)
    {
        Run(a, input);
        Run(b, input);
    }
    var timesA = new List<double>();
    var timesB = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Run(a, input);
        timesA.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
        Run(b, input);
        timesB.Add(clock.Elapsed.TotalMilliseconds);
    }
    return (timesA.Order().ElementAt(runs / 2), timesB.Order().ElementAt(runs / 2));
}

static DenseTensor<float> Crop(Image<Rgb24> image, double fx, double fy)
{
    // Scale the short side to 256, then take a 224x224 window at the given relative position.
    using var scaled = image.Clone(x => x.Resize(new ResizeOptions { Size = new Size(256, 256), Mode = ResizeMode.Min }));
    int left = (int)((scaled.Width - 224) * fx), top = (int)((scaled.Height - 224) * fy);
    var pixels = new DenseTensor<float>([1, 3, 224, 224]);
    for (int y = 0; y < 224; y++)
    {
        for (int x = 0; x < 224; x++)
        {
            var p = scaled[left + x, top + y];
            pixels[0, 0, y, x] = p.R;
            pixels[0, 1, y, x] = p.G;
            pixels[0, 2, y, x] = p.B;
        }
    }
    return pixels;
}

static DenseTensor<float> Run(InferenceSession session, DenseTensor<float> input)
{
    using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input)]);
    return (DenseTensor<float>)results.Single().AsTensor<float>().Clone();
}

static double Cosine(float[] a, float[] b)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.Length; i++)
    {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    return dot / Math.Sqrt(na * nb);
}
