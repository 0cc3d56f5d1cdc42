namespace ModelOpt.Fuzzing;

/// <summary>What a fuzzing run exercises with each input.</summary>
public enum FuzzTarget
{
    /// <summary><c>OnnxModelReader</c> on the bytes, then both writers and the reader again on what loaded.</summary>
    Reader,

    /// <summary>The whole <c>modelopt optimize</c> job (Dynamic, gate off) on the bytes as a model file.</summary>
    Pipeline,
}
