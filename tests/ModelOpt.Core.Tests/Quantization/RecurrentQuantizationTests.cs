using ModelOpt.Core.Quantization;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>
/// Dynamic quantization of LSTMs: ONNX Runtime's DynamicQuantizeLSTM with 8-bit W and R
/// (transposed to [D, K, 4H]), checked against the float LSTM in ONNX Runtime.
/// </summary>
public sealed class RecurrentQuantizationTests
{
    private const int Steps = 12;
    private const int Features = 16;
    private const int Hidden = 24;

    [Theory]
    [InlineData("bidirectional", true, true)]
    [InlineData("bidirectional", false, true)]
    [InlineData("forward", true, false)]
    [InlineData("reverse", false, false)]
    public void An_LSTM_reads_8_bit_weights_and_stays_close(string direction, bool perChannel, bool reduceRange)
    {
        var model = LstmModel(direction, layout: 0);
        var input = new FloatInput("X", Numbers.Uniform(Steps * Features, 7), [Steps, 1, Features]);
        var expected = OrtRunner.Run(model, input);
        long floatBytes = OnnxModelWriter.ToBytes(model).Length;

        var result = new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = perChannel, ReduceRange = reduceRange }).Run(model);

        Assert.Equal(new NodeQuantization("lstm", "LSTM", NodePrecision.Int8,
            perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null), Assert.Single(result.Report.Nodes));
        var lstm = Assert.Single(model.Graph.Nodes);
        Assert.Equal(("DynamicQuantizeLSTM", "com.microsoft"), (lstm.OpType, lstm.Domain));
        Assert.Equal(1, model.GetOpsetVersion("com.microsoft"));
        long directions = direction == "bidirectional" ? 2 : 1;
        var w = QuantizedModels.Initializer(model, "W_quantized")!.Initializer!;
        Assert.Equal([directions, Features, 4 * Hidden], w.Dims);
        Assert.Equal(reduceRange ? ElementType.Int8 : ElementType.UInt8, w.ElementType);
        Assert.Equal(perChannel ? [directions, 4 * Hidden] : [directions], QuantizedModels.Initializer(model, "R_scale")!.Initializer!.Dims);
        Assert.Null(QuantizedModels.Initializer(model, "W"));
        byte[] quantized = OnnxModelWriter.ToBytes(model);
        Assert.True(quantized.Length < floatBytes * 0.4, $"{quantized.Length} of {floatBytes} bytes");

        var actual = OrtRunner.Run(quantized, input);
        for (int output = 0; output < expected.Length; output++)
        {
            double cosine = Numbers.Cosine(expected[output], actual[output]);
            Assert.True(cosine >= 0.999, $"output {output}: cosine {cosine}");
        }
    }

    [Fact]
    public void Asymmetric_weights_are_asked_for_but_the_LSTM_gets_zero_point_0()
    {
        var model = LstmModel("forward", layout: 0);
        var input = new FloatInput("X", Numbers.Uniform(Steps * Features, 8), [Steps, 1, Features]);

        var result = new DynamicQuantizationPass(new DynamicQuantizationOptions { Symmetric = false }).Run(model);

        Assert.Equal("weights symmetric despite Symmetric=false: DynamicQuantizeLSTM takes zero point 0 only", Assert.Single(result.Report.Nodes).Reason);
        Assert.All(QuantizedModels.Initializer(model, "W_zero_point")!.Initializer!.GetRawData().ToArray(), z => Assert.Equal(0, z));
        Assert.NotEmpty(OrtRunner.Run(model, input)[0]);
    }

    [Fact]
    public void A_batch_first_LSTM_stays_in_float()
    {
        var model = LstmModel("forward", layout: 1);
        byte[] before = OnnxModelWriter.ToBytes(model);

        var result = new DynamicQuantizationPass().Run(model);

        Assert.False(result.Modified);
        Assert.Equal("its layout is batch-first (layout=1); DynamicQuantizeLSTM reads [sequence, batch, features] only", Assert.Single(result.Report.Nodes).Reason);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    /// <summary>One LSTM with bias and peepholes absent in between (sequence_lens and initial states left empty), all three outputs used.</summary>
    private static OnnxModel LstmModel(string direction, long layout)
    {
        int directions = direction == "bidirectional" ? 2 : 1;
        var b = new GraphBuilder();
        var x = layout == 0 ? b.Input("X", Steps, 1, Features) : b.Input("X", 1, Steps, Features);
        var w = b.Weight("W", [directions, 4 * Hidden, Features], Numbers.Uniform(directions * 4 * Hidden * Features, 1, -0.3f, 0.3f));
        var r = b.Weight("R", [directions, 4 * Hidden, Hidden], Numbers.Uniform(directions * 4 * Hidden * Hidden, 2, -0.3f, 0.3f));
        var bias = b.Weight("B", [directions, 8 * Hidden], Numbers.Uniform(directions * 8 * Hidden, 3, -0.1f, 0.1f));
        var lstm = b.Node("LSTM", [x, w, r, bias], ["Y", "Y_h", "Y_c"], "lstm",
            NodeAttribute.FromInt("hidden_size", Hidden), NodeAttribute.FromString("direction", direction), NodeAttribute.FromInt("layout", layout));
        return b.Output(lstm.Outputs[0]!).Output(lstm.Outputs[1]!).Output(lstm.Outputs[2]!).Build(14);
    }
}
