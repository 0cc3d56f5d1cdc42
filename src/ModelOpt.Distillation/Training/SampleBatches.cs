using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// The samples of a distillation as TorchSharp tensors, bound to the model's inputs once (by
/// name, else in order, as calibration binds them) and kept in memory; a batch concatenates its
/// samples along the first (batch) dimension.
/// </summary>
internal sealed class SampleBatches : IDisposable
{
    private readonly TorchTensor[][] _tensors;
    private readonly bool[] _isImage;

    /// <summary>Binds <paramref name="samples"/> to <paramref name="model"/>'s inputs.</summary>
    public SampleBatches(OnnxModel model, IReadOnlyList<Sample> samples)
    {
        var binding = new SampleBinding(model.Graph.Inputs.Where(v => v.Initializer is null), model.SourcePath, "training");
        InputNames = [.. binding.Inputs.Select(v => v.Name)];
        var bound = samples.Select(binding.Bind).ToArray();
        _tensors = [.. bound.Select(sample => sample.Select(ToTorch).ToArray())];
        // Only pictures are augmented (random crop and flip): tensors of other kinds carry no such symmetry.
        _isImage = [.. InputNames.Select((_, i) => bound.Length > 0 && bound.All(s => IsImageFile(s[i].Source) && s[i].Shape.Count == 4))];
        SameShapes = Enumerable.Range(0, InputNames.Count).All(i => _tensors.Select(t => string.Join(",", t[i].shape)).Distinct().Count() <= 1);
    }

    /// <summary>The model inputs the samples feed, in graph order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The number of samples.</summary>
    public int Count => _tensors.Length;

    /// <summary>True when every sample of an input has the same shape, so samples can share a batch.</summary>
    public bool SameShapes { get; }

    /// <summary>Whether input <paramref name="index"/> holds pictures (read from image files).</summary>
    public bool IsImage(int index) => _isImage[index];

    /// <summary>
    /// The batch of the samples at <paramref name="indices"/>, by input name, optionally with
    /// <paramref name="augment"/> applied to picture inputs. The tensors belong to the caller's dispose scope.
    /// </summary>
    public Dictionary<string, TorchTensor> Batch(IReadOnlyList<int> indices, Func<TorchTensor, TorchTensor>? augment = null)
    {
        var batch = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        for (int input = 0; input < InputNames.Count; input++)
        {
            var parts = indices.Select(i => _isImage[input] && augment is not null ? augment(_tensors[i][input]) : _tensors[i][input].alias()).ToArray();
            batch[InputNames[input]] = parts.Length == 1 ? parts[0] : torch.cat(parts, 0);
        }
        return batch;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var sample in _tensors)
        {
            foreach (var tensor in sample) tensor.Dispose();
        }
    }

    private static bool IsImageFile(string source)
        => Path.GetExtension(source).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp";

    private static TorchTensor ToTorch(SampleTensor sample)
    {
        var type = Execution.TensorConversion.ToScalarType(sample.ElementType)
            ?? throw new NotSupportedException($"{sample.Source}: element type {sample.ElementType} cannot be trained on.");
        var shape = sample.Shape.ToArray();
        var tensor = torch.empty(shape, type);
        if (sample.Data.Length > 0) tensor.bytes = sample.Data.ToArray();
        return tensor.DetachFromDisposeScope();
    }
}
