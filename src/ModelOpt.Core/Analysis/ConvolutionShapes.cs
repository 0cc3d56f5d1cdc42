using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Analysis;

/// <summary>
/// Output shapes of the sliding-window operators (Conv, ConvTranspose, MaxPool, AveragePool,
/// LpPool) from the input shape and the attributes, by the formulas of ONNX Operators.md:
/// <c>out = floor((in + pad_begin + pad_end − ((k − 1)·d + 1)) / s) + 1</c> (ceil with
/// <c>ceil_mode</c>); <c>auto_pad</c> SAME_* gives <c>ceil(in / s)</c> and VALID no padding.
/// </summary>
internal static class ConvolutionShapes
{
    /// <summary>Conv's output [N, M, spatial…]; null when the input or weight shape is unknown.</summary>
    public static long[]? Conv(Node node, long[]? x, long[]? w)
    {
        if (x is not { Length: >= 3 } || w is null || w.Length != x.Length) return null;
        var spatial = Windowed(node, x, w[2..]);
        return spatial is null ? null : [x[0], w[0], .. spatial];
    }

    /// <summary>
    /// ConvTranspose's output [N, M, spatial…]: <c>output_shape</c> when given, else
    /// <c>s·(in − 1) + output_padding + ((k − 1)·d + 1) − pad_begin − pad_end</c>; with SAME_*
    /// auto_pad, <c>in·s</c>. The weight is [C, M/group, k…].
    /// </summary>
    public static long[]? ConvTranspose(Node node, long[]? x, long[]? w)
    {
        if (x is not { Length: >= 3 } || w is null || w.Length != x.Length) return null;
        int n = x.Length - 2;
        long group = node.GetAttribute("group")?.Int ?? 1;
        long channels = w[1] * group;
        if (node.GetAttribute("output_shape") is { Ints.Count: > 0 } given)
        {
            var dims = given.Ints;
            // output_shape may list the spatial dimensions only, or the whole shape.
            if (dims.Count == n) return [x[0], channels, .. dims];
            if (dims.Count == n + 2) return [x[0], channels, .. dims.Skip(2)];
            return null;
        }
        var kernel = Ints(node, "kernel_shape", n, w[2..]);
        var strides = Ints(node, "strides", n, 1);
        var dilations = Ints(node, "dilations", n, 1);
        var outputPadding = Ints(node, "output_padding", n, 0);
        var pads = Ints(node, "pads", 2 * n, 0);
        string autoPad = node.GetAttribute("auto_pad")?.String ?? "NOTSET";
        var result = new long[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (int i = 0; i < n; i++)
        {
            long size = x[i + 2];
            result[i + 2] = autoPad is "SAME_UPPER" or "SAME_LOWER"
                ? size * strides[i]
                : strides[i] * (size - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
                  - (autoPad == "VALID" ? 0 : pads[i] + pads[i + n]);
            if (result[i + 2] <= 0) return null;
        }
        return result;
    }

    /// <summary>The pooling operators' output [N, C, spatial…].</summary>
    public static long[]? Pool(Node node, long[]? x)
    {
        if (x is not { Length: >= 3 } || node.GetAttribute("kernel_shape") is not { } kernel || kernel.Ints.Count != x.Length - 2) return null;
        var spatial = Windowed(node, x, [.. kernel.Ints]);
        return spatial is null ? null : [x[0], x[1], .. spatial];
    }

    private static long[]? Windowed(Node node, long[] x, long[] weightKernel)
    {
        int n = x.Length - 2;
        var kernel = Ints(node, "kernel_shape", n, weightKernel);
        var strides = Ints(node, "strides", n, 1);
        var dilations = Ints(node, "dilations", n, 1);
        var pads = Ints(node, "pads", 2 * n, 0);
        if (kernel.Length != n || strides.Length != n || dilations.Length != n || pads.Length != 2 * n) return null;
        bool ceil = node.GetAttribute("ceil_mode") is { Int: not 0 };
        string autoPad = node.GetAttribute("auto_pad")?.String ?? "NOTSET";
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            long size = x[i + 2];
            long effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
            long numerator = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => size - 1,
                "VALID" => size - effectiveKernel,
                _ => size + pads[i] + pads[i + n] - effectiveKernel,
            };
            if (numerator < 0 || strides[i] <= 0) return null;
            result[i] = (ceil ? (numerator + strides[i] - 1) / strides[i] : numerator / strides[i]) + 1;
        }
        return result;
    }

    private static long[] Ints(Node node, string name, int count, long fallback)
        => node.GetAttribute(name) is { Ints.Count: > 0 } attribute ? [.. attribute.Ints] : Enumerable.Repeat(fallback, count).ToArray();

    private static long[] Ints(Node node, string name, int count, long[] fallback)
        => node.GetAttribute(name) is { Ints.Count: > 0 } attribute ? [.. attribute.Ints] : fallback.Length == count ? fallback : [];
}
