using System.Runtime.InteropServices;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ModelOpt.Core.Data;

/// <summary>
/// Reads an image sample (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, <c>.bmp</c>, decoded by
/// ImageSharp) into the model's image input: resized to <c>ImageSize</c> (default: the input's
/// fixed height and width) by <c>ImageResize</c>, then either handed to the <c>Preprocessor</c>
/// model as <c>FLOAT[1,3,H,W]</c> in 0–255, or divided by <c>ImageScale</c>, normalized by
/// <c>ImageMean</c>/<c>ImageStd</c> and laid out as <c>ImageLayout</c>. A fourth (alpha) channel,
/// when the input has one, is opaque: 255 / ImageScale.
/// </summary>
internal sealed class ImageFile : ISampleFileReader
{
    /// <summary>The reader; it holds no state.</summary>
    public static ImageFile Instance { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <inheritdoc/>
    public IEnumerable<Sample> Read(string path, SampleReadContext context)
    {
        var tensor = ReadTensor(path, context);
        return [new Sample(Path.GetFileName(path), [tensor])];
    }

    private static SampleTensor ReadTensor(string path, SampleReadContext context)
    {
        var options = context.Options;
        var input = ImageInput(context);
        var shape = input?.Shape;
        var layout = options.ImageLayout != ImageLayout.Auto ? options.ImageLayout : LayoutOf(shape);
        int channelAxis = layout == ImageLayout.NCHW ? 1 : 3;
        int heightAxis = layout == ImageLayout.NCHW ? 2 : 1;
        int channels = options.Preprocessor is null && shape is { Count: 4 } && shape[channelAxis].Size is 4 ? 4 : 3;
        var size = options.ImageSize ?? FixedSize(shape, heightAxis);
        if (size is not { } target)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                $"image sample '{path}' cannot be sized: model input '{input?.Name ?? "?"}' is {Describe(shape)}, without a fixed height and width. " +
                "Set ImageSize (e.g. ImageSize=\"224\" or \"320x48\", width x height) to the size the model was trained on.");
        }
        var elementType = input?.ElementType ?? ElementType.Undefined;
        if (elementType is not (ElementType.Undefined or ElementType.Float) && options.Preprocessor is null)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                $"image sample '{path}': model input '{input!.Name}' is {ElementTypes.OnnxName(elementType)}; images become FLOAT inputs. " +
                "Give this model .npy or .pb samples, or a Preprocessor model that outputs its input type.");
        }

        // Pixels come out as 0–255 floats in the model's channel order, planar (C, H, W).
        float[] planes = Decode(path, target, options.ImageResize, options.ChannelOrder);
        int pixels = target.Width * target.Height;
        string? name = input?.Name;
        if (options.Preprocessor is { } preprocessorPath)
        {
            var preprocessor = context.Preprocessor ?? throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                $"image sample '{path}': Preprocessor '{preprocessorPath}' needs ONNX Runtime, which this caller does not provide. Run it through the modelopt worker.");
            var raw = SampleTensor.FromFloats(null, [1, 3, target.Height, target.Width], planes, path);
            var result = preprocessor.Run(raw);
            return new SampleTensor(name, result.ElementType, result.Shape, result.Data, path);
        }

        float scale = options.ImageScale;
        var data = new float[channels * pixels];
        for (int c = 0; c < channels; c++)
        {
            // Alpha is opaque, not normalized: mean and std describe the colour channels.
            float mean = c < 3 ? PerChannel(options.ImageMean, c, 0f) : 0f;
            float std = c < 3 ? PerChannel(options.ImageStd, c, 1f) : 1f;
            for (int p = 0; p < pixels; p++)
            {
                float v = c < 3 ? planes[(c * pixels) + p] : 255f;
                data[layout == ImageLayout.NCHW ? (c * pixels) + p : (p * channels) + c] = ((v / scale) - mean) / std;
            }
        }
        long[] dims = layout == ImageLayout.NCHW ? [1, channels, target.Height, target.Width] : [1, target.Height, target.Width, channels];
        return new SampleTensor(name, ElementType.Float, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), path);
    }

    /// <summary>The input images feed: the only input, else the first of rank 4; null when the model is unknown.</summary>
    private static Value? ImageInput(SampleReadContext context)
        => context.Inputs.Count == 1 ? context.Inputs[0] : context.Inputs.FirstOrDefault(v => v.Shape is { Count: 4 }) ?? context.Inputs.FirstOrDefault();

    private static ImageLayout LayoutOf(IReadOnlyList<Dimension>? shape)
        => shape is { Count: 4 } && shape[3].Size is 3 or 4 && shape[1].Size is not (3 or 4) ? ImageLayout.NHWC : ImageLayout.NCHW;

    private static ImageSize? FixedSize(IReadOnlyList<Dimension>? shape, int heightAxis)
        => shape is { Count: 4 } && shape[heightAxis].Size is > 0 and <= ImageSize.MaxSide && shape[heightAxis + 1].Size is > 0 and <= ImageSize.MaxSide
            ? new ImageSize((int)shape[heightAxis + 1].Size!.Value, (int)shape[heightAxis].Size!.Value)
            : null;

    private static string Describe(IReadOnlyList<Dimension>? shape) => shape is null ? "of unknown shape" : "[" + string.Join(",", shape) + "]";

    private static float PerChannel(IReadOnlyList<float> values, int channel, float none)
        => values.Count switch { 0 => none, 1 => values[0], _ => values[channel] };

    private static float[] Decode(string path, ImageSize size, ImageResizeMode resize, ChannelOrder order)
    {
        byte[] bytes = SampleFileReaders.ReadAll(path);
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(bytes);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or ImageFormatException)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                $"image sample '{path}' cannot be decoded: {e.Message} Replace or remove the file (PNG, JPEG and BMP are read).");
        }
        using (image)
        {
            var mode = resize switch { ImageResizeMode.Stretch => ResizeMode.Stretch, ImageResizeMode.Pad => ResizeMode.Pad, _ => ResizeMode.Crop };
            // Pad fills with opaque black, so padding reads the same whatever the format's transparency.
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(size.Width, size.Height), Mode = mode, PadColor = Color.Black }));
            int pixels = size.Width * size.Height;
            var planes = new float[3 * pixels];
            (int r, int b) = order == ChannelOrder.RGB ? (0, 2) : (2, 0);
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                    {
                        int p = (y * size.Width) + x;
                        planes[(r * pixels) + p] = row[x].R;
                        planes[pixels + p] = row[x].G;
                        planes[(b * pixels) + p] = row[x].B;
                    }
                }
            });
            return planes;
        }
    }
}
