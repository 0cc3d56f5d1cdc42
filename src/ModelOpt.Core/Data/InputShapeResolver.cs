using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Sizes the symbolic dimensions of generated inputs, strongest evidence first: InputShapes
/// (whole shapes); a symbol InputShapes fixed for another input; the leading batch dimension
/// (1); a constant Reshape target the input feeds; and only then a probe, which runs the
/// original model on candidate sizes until one runs. A symbol gets one size in every input
/// that names it (a sequence length shared by input_ids and attention_mask).
/// </summary>
internal static class InputShapeResolver
{
    // Image sides most vision models accept; 224 first as the most common training size, the
    // smaller ones for models whose strides or pools need less (or whose memory would not fit).
    private static readonly long[] SpatialCandidates = [224, 256, 320, 128, 64, 48, 32];

    // A text line (one side fixed at 16-64 pixels, the other open, as OCR recognizers take it):
    // wide first, 320 being the width such recognizers are commonly trained at.
    private static readonly long[] TextLineCandidates = [320, 256, 224, 128, 64, 48, 32];

    // Token sequences: long enough for attention to mean something, within every common position table.
    private static readonly long[] SequenceCandidates = [128, 64, 32, 16];

    /// <summary>
    /// The shapes of <paramref name="declared"/>. <paramref name="probe"/> runs the original on
    /// candidate shapes (one per input, in order) and returns null when it ran, else why not;
    /// without one an open dimension is MOPT0181, as before probing existed.
    /// </summary>
    public static ResolvedInputShape[] Resolve(OnnxModel model, Value[] declared, IReadOnlyDictionary<string, long[]> inputShapes,
        string? modelPath, Func<IReadOnlyList<long[]>, string?>? probe)
    {
        var dims = declared.Select(v => (Dimension[])[.. v.Shape ?? []]).ToArray();
        var sizes = dims.Select(d => d.Select(Size).ToArray()).ToArray();
        var sources = new ShapeSource[declared.Length];
        var known = new Dictionary<string, long>(StringComparer.Ordinal);

        for (int i = 0; i < declared.Length; i++)
        {
            if (!inputShapes.TryGetValue(declared[i].Name, out long[]? given)) continue;
            CheckGiven(declared[i].Name, dims[i], given, modelPath);
            sizes[i] = [.. given.Select(d => (long?)d)];
            sources[i] = ShapeSource.InputShapes;
            for (int k = 0; k < dims[i].Length && k < given.Length; k++)
            {
                if (Size(dims[i][k]) is null && !string.IsNullOrEmpty(dims[i][k].Symbol)) known.TryAdd(dims[i][k].Symbol!, given[k]);
            }
        }

        // The batch: one row is a valid batch for any model.
        for (int i = 0; i < declared.Length; i++)
        {
            if (sources[i] == ShapeSource.InputShapes || sizes[i].Length == 0 || sizes[i][0] is not null) continue;
            bool given = dims[i][0].Symbol is { Length: > 0 } s && known.ContainsKey(s);
            sizes[i][0] = given ? known[dims[i][0].Symbol!] : 1;
            if (dims[i][0].Symbol is { Length: > 0 } symbol) known.TryAdd(symbol, sizes[i][0]!.Value);
            sources[i] = given ? ShapeSource.Graph : ShapeSource.Batch;
        }

        for (int i = 0; i < declared.Length; i++)
        {
            if (sources[i] == ShapeSource.InputShapes) continue;
            long[]? target = ReshapeTarget(model, declared[i], dims[i].Length);
            for (int k = 0; k < sizes[i].Length; k++)
            {
                if (sizes[i][k] is not null) continue;
                string? symbol = string.IsNullOrEmpty(dims[i][k].Symbol) ? null : dims[i][k].Symbol;
                long? size = symbol is not null && known.TryGetValue(symbol, out long s) ? s : target is not null && target[k] > 0 ? target[k] : null;
                if (size is null) continue;
                sizes[i][k] = size;
                if (symbol is not null) known.TryAdd(symbol, size.Value);
                sources[i] = ShapeSource.Graph;
            }
        }

        var open = new List<OpenDimension>();
        for (int i = 0; i < declared.Length; i++)
        {
            for (int k = 0; k < sizes[i].Length; k++)
            {
                if (sizes[i][k] is not null) continue;
                string key = string.IsNullOrEmpty(dims[i][k].Symbol) ? $"{declared[i].Name}#{k}" : dims[i][k].Symbol!;
                bool spatial = dims[i].Length == 4 && k >= 2 && declared[i].ElementType is ElementType.Float or ElementType.Double or ElementType.Float16;
                open.Add(new OpenDimension(i, k, key, spatial));
            }
        }
        if (open.Count > 0)
        {
            if (probe is null)
            {
                var first = open[0];
                var input = declared[first.Input];
                throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                    $"model input '{input.Name}' has the symbolic dimension {first.Dimension} ('{Symbol(dims[first.Input][first.Dimension])}') in its shape {Text(dims[first.Input])}, and validation cannot guess its size. " +
                    $"Set InputShapes to the whole shape (e.g. {input.Name}={Example(dims[first.Input])}), or point ValidationData at real inputs.");
            }
            Probe(declared, dims, sizes, sources, open, modelPath, probe);
        }

        return [.. declared.Select((v, i) => new ResolvedInputShape(v.Name, sizes[i].Select(d => d!.Value).ToArray(), sources[i]))];
    }

    /// <summary>Tries the candidate sizes, every open dimension of a kind the same size, until the model runs.</summary>
    private static void Probe(Value[] declared, Dimension[][] dims, long?[][] sizes, ShapeSource[] sources, List<OpenDimension> open,
        string? modelPath, Func<IReadOnlyList<long[]>, string?> probe)
    {
        bool anySpatial = open.Any(o => o.Spatial), anySequence = open.Any(o => !o.Spatial);
        bool textLine = open.Any(o => o.Spatial && sizes[o.Input].Length == 4 && sizes[o.Input].Skip(1).Any(d => d is >= 16 and <= 64));
        var attempts = from spatial in anySpatial ? (textLine ? TextLineCandidates : SpatialCandidates) : [0L]
                       from sequence in anySequence ? SequenceCandidates : [0L]
                       select (spatial, sequence);
        var tried = new List<string>();
        string? lastError = null;
        foreach (var (spatial, sequence) in attempts)
        {
            var bySymbol = open.DistinctBy(o => o.Key).ToDictionary(o => o.Key, o => o.Spatial ? spatial : sequence, StringComparer.Ordinal);
            long[][] shapes = [.. sizes.Select((s, i) => s.Select((d, k) => d ?? bySymbol[open.First(o => o.Input == i && o.Dimension == k).Key]).ToArray())];
            if (shapes.Any(s => s.Aggregate(1.0, (p, d) => p * d) > SampleSet.MaxGeneratedElements)) continue;
            string shapesText = string.Join(" ", open.Select(o => o.Input).Distinct().Select(i => $"{declared[i].Name}={string.Join(",", shapes[i])}"));
            lastError = probe(shapes);
            if (lastError is null)
            {
                for (int i = 0; i < sizes.Length; i++) sizes[i] = [.. shapes[i].Select(d => (long?)d)];
                foreach (int i in open.Select(o => o.Input).Distinct()) sources[i] = ShapeSource.Probed;
                return;
            }
            tried.Add(shapesText);
        }

        var firstOpen = open[0];
        var input = declared[firstOpen.Input];
        throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
            $"model input '{input.Name}' has the symbolic dimension {firstOpen.Dimension} ('{Symbol(dims[firstOpen.Input][firstOpen.Dimension])}') in its shape {Text(dims[firstOpen.Input])}, " +
            $"and the original model ran in ONNX Runtime on none of the sizes validation tried ({string.Join("; ", tried)}){(lastError is null ? "" : $"; the last error: {lastError}")}. " +
            $"Set InputShapes to whole shapes that the model accepts (e.g. {input.Name}={Example(dims[firstOpen.Input])}), or point ValidationData at real inputs.");
    }

    /// <summary>The target of a Reshape that <paramref name="input"/> feeds directly, when constant and of the same rank (0 and -1 entries say nothing).</summary>
    private static long[]? ReshapeTarget(OnnxModel model, Value input, int rank)
    {
        foreach (var use in input.Uses)
        {
            if (use.Node.OpType != "Reshape" || use.InputIndex != 0 || use.Node.Inputs.Count < 2 || use.Node.Inputs[1] is not { } shape) continue;
            if (ConstantValues.TryGetTensor(model, shape) is not { ElementType: ElementType.Int64 } tensor) continue;
            long[] target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensor.GetRawData().Span).ToArray();
            if (target.Length == rank) return target;
        }
        return null;
    }

    private static void CheckGiven(string name, Dimension[] declared, long[] given, string? modelPath)
    {
        // Rank 0 may mean "shape unknown", so any rank is accepted there.
        bool fits = (declared.Length == 0 || declared.Length == given.Length)
            && given.All(d => d >= 0)
            && given.Select((d, k) => declared.Length == 0 || Size(declared[k]) is not long fixedSize || fixedSize == d).All(ok => ok);
        if (!fits)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"InputShapes gives input '{name}' the shape [{string.Join(",", given)}], which does not fit its declared shape {Text(declared)}. Give every dimension, keeping the fixed ones.");
        }
    }

    private static long? Size(Dimension d) => d.Size is >= 0 ? d.Size : null;

    private static string Symbol(Dimension d) => string.IsNullOrEmpty(d.Symbol) ? "?" : d.Symbol;

    private static string Text(Dimension[] declared)
        => "[" + string.Join(",", declared.Select(d => Size(d) is long size ? size.ToString(CultureInfo.InvariantCulture) : Symbol(d))) + "]";

    /// <summary>The declared shape with 1 for the batch dimension and 224 for other open ones: a concrete example of the syntax.</summary>
    private static string Example(Dimension[] declared)
        => string.Join(",", declared.Select((d, k) => Size(d) is long size ? size.ToString(CultureInfo.InvariantCulture) : k == 0 ? "1" : "224"));

    /// <summary>A dimension still open after the graph: its input, position, symbol (or a key of its own) and kind.</summary>
    private sealed record OpenDimension(int Input, int Dimension, string Key, bool Spatial);
}
