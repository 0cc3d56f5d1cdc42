using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Cli.Tests;

/// <summary>Small models built in code for the command tests.</summary>
internal static class TinyModels
{
    /// <summary>y = x @ W, x: [1, size], W deterministic; returns the path written.</summary>
    public static string MatMul(string folder, string fileName, int size) => MatMul(folder, fileName, size, outlier: 0);

    /// <summary>
    /// y = x @ W whose first row of W is <paramref name="outlier"/> (0: none) among weights in
    /// ±0.5. Blockwise int4 (blocks along the rows) then spends each block's 16 levels on the
    /// outlier and rounds the small weights coarsely: a layer int4 cannot take.
    /// </summary>
    public static string MatMul(string folder, string fileName, int size, float outlier)
    {
        var random = new Random(size);
        var weights = new float[size * size];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5);
        if (outlier != 0) Array.Fill(weights, outlier, 0, size);
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = new TensorShapeProto() } };
        type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 1 });
        type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = size });
        var graph = new Graph("tiny");
        var x = new Value("x", type);
        graph.Inputs.Add(x);
        var w = graph.AddInitializer("W", Tensor.FromFloats("W", [size, size], weights));
        var matMul = new Node("MatMul", [x, w], ["y"], name: "matmul");
        graph.AddNode(matMul);
        graph.Outputs.Add(matMul.Outputs[0]!);
        string path = Path.Combine(folder, fileName);
        using var model = new OnnxModel(graph, opsetVersion: 13);
        OnnxModelWriter.Save(model, path);
        return path;
    }
}
