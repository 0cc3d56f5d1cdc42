namespace ModelOpt.Benchmarks;

/// <summary>Pseudo-images for ResNet18's input (1×3×224×224), the same for a seed on every run.</summary>
internal static class BenchmarkImages
{
    // Smooth pseudo-images in the preprocessed range (roughly -120..135): random per-channel
    // offsets plus gentle gradients, so activations look more like a photograph's than noise does.
    public static float[] Create(int seed)
    {
        var random = new Random(seed);
        var data = new float[3 * 224 * 224];
        for (int c = 0; c < 3; c++)
        {
            float offset = (float)(random.NextDouble() * 120 - 60), slopeX = (float)(random.NextDouble() - 0.5), slopeY = (float)(random.NextDouble() - 0.5);
            for (int y = 0; y < 224; y++)
            {
                for (int x = 0; x < 224; x++)
                {
                    data[(c * 224 + y) * 224 + x] = offset + slopeX * (x - 112) + slopeY * (y - 112) + (float)(random.NextDouble() * 20 - 10);
                }
            }
        }
        return data;
    }
}
