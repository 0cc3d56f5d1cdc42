using ModelOpt.Distillation.Loading;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelOpt.Distillation.Tests.Training;

/// <summary>
/// A small CNN trained on the digits with TorchSharp (fixed seed) and written to ONNX by our own
/// writer: Conv 1→16 → Relu → Conv 16→32 → Relu → MaxPool → Flatten → Gemm 512→64 → Relu → Gemm 64→10.
/// </summary>
internal static class DigitsTeacher
{
    public static void Train(DigitsDataset data, string path)
    {
        TorchSharpLoader.EnsureLoaded();
        manual_seed(0);
        using var conv1 = nn.Conv2d(1, 16, 3, padding: 1);
        using var conv2 = nn.Conv2d(16, 32, 3, padding: 1);
        using var fc1 = nn.Linear(512, 64);
        using var fc2 = nn.Linear(64, 10);
        var parameters = new[] { conv1, conv2 }.SelectMany(m => m.parameters()).Concat(fc1.parameters()).Concat(fc2.parameters()).ToArray();
        using var optimizer = optim.Adam(parameters, 3e-3);
        var pixels = tensor(data.TrainPixels.SelectMany(p => p).ToArray(), [data.TrainPixels.Length, 1, 8, 8]);
        var labels = tensor(data.TrainLabels.Select(l => (long)l).ToArray());
        var random = new Random(0);
        var order = Enumerable.Range(0, data.TrainPixels.Length).ToArray();
        for (int epoch = 0; epoch < 25; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += 64)
            {
                using var scope = NewDisposeScope();
                var index = tensor(order.Skip(start).Take(64).Select(i => (long)i).ToArray());
                var x = pixels.index_select(0, index);
                var h = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(nn.functional.relu(conv1.forward(x)))), 2);
                var logits = fc2.forward(nn.functional.relu(fc1.forward(h.flatten(1))));
                var loss = nn.functional.cross_entropy(logits, labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        var b = new GraphBuilder("digits");
        var input = b.Input("pixels", 1, 1, 8, 8);
        var c1 = b.Op("Relu", [b.Op("Conv", [input, Weight(b, "conv1.weight", conv1.weight!), Weight(b, "conv1.bias", conv1.bias!)], "conv1",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInts("kernel_shape", [3, 3]))], "relu1");
        var c2 = b.Op("Relu", [b.Op("Conv", [c1, Weight(b, "conv2.weight", conv2.weight!), Weight(b, "conv2.bias", conv2.bias!)], "conv2",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInts("kernel_shape", [3, 3]))], "relu2");
        var pooled = b.Op("MaxPool", [c2], "pool", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        var flat = b.Op("Flatten", [pooled], "flat", NodeAttribute.FromInt("axis", 1));
        var f1 = b.Op("Relu", [b.Op("Gemm", [flat, Weight(b, "fc1.weight", fc1.weight!), Weight(b, "fc1.bias", fc1.bias!)], "fc1", NodeAttribute.FromInt("transB", 1))], "relu3");
        var logitsValue = b.Op("Gemm", [f1, Weight(b, "fc2.weight", fc2.weight!), Weight(b, "fc2.bias", fc2.bias!)], "logits", NodeAttribute.FromInt("transB", 1));
        b.Output(logitsValue);
        using var model = b.Build(13);
        OnnxModelWriter.Save(model, path);
    }

    private static Value Weight(GraphBuilder builder, string name, torch.Tensor value)
    {
        using var cpu = value.detach().contiguous();
        return builder.Weight(name, cpu.shape, cpu.data<float>().ToArray());
    }
}
