using System.Globalization;
using System.IO.Compression;

namespace ModelOpt.Distillation.Tests.Training;

/// <summary>
/// The UCI digits (tests/data/digits.csv.gz), split 80/20 with a fixed seed: 8×8 pictures scaled
/// to [0, 1] as [1, 1, 8, 8] tensors, and their labels.
/// </summary>
internal sealed class DigitsDataset
{
    public const int Side = 8;

    private DigitsDataset(float[][] trainPixels, int[] trainLabels, float[][] testPixels, int[] testLabels)
    {
        TrainPixels = trainPixels;
        TrainLabels = trainLabels;
        TestPixels = testPixels;
        TestLabels = testLabels;
    }

    public float[][] TrainPixels { get; }

    public int[] TrainLabels { get; }

    public float[][] TestPixels { get; }

    public int[] TestLabels { get; }

    public static DigitsDataset Load()
    {
        using var file = File.OpenRead(TestData.DigitsPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var rows = new List<(float[] Pixels, int Label)>();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(',');
            rows.Add(([.. fields.Take(Side * Side).Select(f => float.Parse(f, CultureInfo.InvariantCulture) / 16f)], int.Parse(fields[^1], CultureInfo.InvariantCulture)));
        }
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(20261207).Shuffle(order);
        int train = rows.Count * 4 / 5;
        return new DigitsDataset(
            [.. order.Take(train).Select(i => rows[i].Pixels)], [.. order.Take(train).Select(i => rows[i].Label)],
            [.. order.Skip(train).Select(i => rows[i].Pixels)], [.. order.Skip(train).Select(i => rows[i].Label)]);
    }

    /// <summary>Writes the training split as a data folder: one .npy per sample and labels.txt.</summary>
    public string WriteTrainingFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        for (int i = 0; i < TrainPixels.Length; i++)
        {
            SampleFiles.NpyFloats(Path.Combine(folder, $"sample_{i:D4}.npy"), [1, 1, Side, Side], TrainPixels[i]);
        }
        File.WriteAllLines(Path.Combine(folder, "labels.txt"), TrainLabels.Select(l => l.ToString(CultureInfo.InvariantCulture)));
        return folder;
    }

    /// <summary>Top-1 accuracy of <paramref name="modelPath"/> on the test split, run by ONNX Runtime.</summary>
    public double TestAccuracy(string modelPath)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath);
        string input = session.InputMetadata.Keys.Single();
        int correct = 0;
        for (int i = 0; i < TestPixels.Length; i++)
        {
            using var tensor = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(TestPixels[i], [1, 1, Side, Side]);
            using var results = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), [input], [tensor], session.OutputNames);
            var logits = results[0].GetTensorDataAsSpan<float>();
            int best = 0;
            for (int c = 1; c < logits.Length; c++) if (logits[c] > logits[best]) best = c;
            if (best == TestLabels[i]) correct++;
        }
        return (double)correct / TestPixels.Length;
    }
}
