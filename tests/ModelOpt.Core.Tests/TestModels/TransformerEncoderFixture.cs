using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.TestModels;

/// <summary>
/// The default transformer encoder (4 layers, hidden 512, feed-forward 2048, sequence 128), one
/// deterministic input, and the float model's output in ONNX Runtime: computed once for every
/// test of <see cref="TransformerEncoderCollection"/>.
/// </summary>
public sealed class TransformerEncoderFixture
{
    public TransformerEncoderFixture()
    {
        Input = new FloatInput(Builder.InputName, Builder.CreateHiddenStates(batch: 1, seed: 7), Builder.InputShape(1));
        FloatModel = OnnxModelWriter.ToBytes(Builder.Build());
        FloatOutput = OrtRunner.Run(FloatModel, Input)[0];
    }

    /// <summary>Builds a fresh copy of the model for a test to change.</summary>
    public TransformerEncoderBuilder Builder { get; } = new();

    internal FloatInput Input { get; }

    /// <summary>The float model, serialized.</summary>
    public byte[] FloatModel { get; }

    /// <summary>The float model's output on <see cref="Input"/>.</summary>
    public float[] FloatOutput { get; }
}
