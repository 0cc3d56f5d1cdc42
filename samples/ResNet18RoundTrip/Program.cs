using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

string modelFolder = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ModelFolder").Value!;
string modelPath = Path.Combine(modelFolder, "ResNet18Onnx", "ResNet18.onnx");
string preprocessPath = Path.Combine(modelFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
string savedPath = Path.Combine(Path.GetTempPath(), "modelopt-sample", "ResNet18.resaved.onnx");

using (var model = OnnxModelReader.Load(modelPath))
{
    var summary = ModelSummary.Create(model);
    Console.WriteLine($"model:      {Path.GetFileName(modelPath)} ({summary.ProducerName} {summary.ProducerVersion}, opset {model.GetOpsetVersion("")})");
    Console.WriteLine($"nodes:      {summary.NodeCount}: {string.Join(", ", summary.OpHistogram.Select(p => $"{p.Value} {p.Key}"))}");
    Console.WriteLine($"parameters: {summary.ParameterCount:N0} ({summary.Initializers.Bytes:N0} bytes of weights)");
    OnnxModelWriter.Save(model, savedPath);
}
Console.WriteLine($"saved:      {savedPath} ({new FileInfo(savedPath).Length:N0} bytes, original {new FileInfo(modelPath).Length:N0})");

// A 224x224 centre crop of a real photograph, as 0..255 RGB planes; the package's
// preprocessing model turns it into what ResNet18 expects.
var pixels = new DenseTensor<float>([1, 3, 224, 224]);
using (var image = Image.Load<Rgb24>(Path.Combine(AppContext.BaseDirectory, "chelsea.png")))
{
    image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(224, 224), Mode = ResizeMode.Crop }));
    for (int y = 0; y < 224; y++)
    {
        for (int x = 0; x < 224; x++)
        {
            var p = image[x, y];
            pixels[0, 0, y, x] = p.R;
            pixels[0, 1, y, x] = p.G;
            pixels[0, 2, y, x] = p.B;
        }
    }
}

float[] original = Features(modelPath, Preprocess(preprocessPath, pixels));
float[] resaved = Features(savedPath, Preprocess(preprocessPath, pixels));
double dot = 0, na = 0, nb = 0, maxAbs = 0;
for (int i = 0; i < original.Length; i++)
{
    dot += original[i] * resaved[i];
    na += original[i] * original[i];
    nb += resaved[i] * resaved[i];
    maxAbs = Math.Max(maxAbs, Math.Abs(original[i] - resaved[i]));
}
Console.WriteLine($"features:   {original.Length} on chelsea.png; cosine similarity {dot / Math.Sqrt(na * nb):F6}, max abs difference {maxAbs:G3}");
return maxAbs == 0 ? 0 : 1;

static DenseTensor<float> Preprocess(string path, DenseTensor<float> pixels)
{
    using var session = new InferenceSession(path);
    using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), pixels)]);
    return (DenseTensor<float>)results.Single().AsTensor<float>().Clone();
}

static float[] Features(string path, DenseTensor<float> input)
{
    using var session = new InferenceSession(path);
    using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input)]);
    return results.Single().AsEnumerable<float>().ToArray();
}
