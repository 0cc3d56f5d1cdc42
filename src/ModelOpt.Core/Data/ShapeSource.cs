namespace ModelOpt.Core.Data;

/// <summary>Where the shape of a generated input came from, strongest source of any of its dimensions.</summary>
public enum ShapeSource
{
    /// <summary>Every dimension is fixed in the model.</summary>
    Declared,

    /// <summary>Only the leading (batch) dimension was open, and it became 1.</summary>
    Batch,

    /// <summary>An open dimension was fixed by the graph (a constant Reshape target, or the same symbol given by InputShapes for another input).</summary>
    Graph,

    /// <summary>An open dimension was chosen by running the original model in ONNX Runtime with candidate sizes.</summary>
    Probed,

    /// <summary>InputShapes gave the whole shape.</summary>
    InputShapes,
}
