using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>
/// ONNX Runtime's contrib operators (domain <c>com.microsoft</c>), which the passes write where
/// ONNX has no operator for the integer form: MatMulNBits and GatherBlockQuantized (Int4),
/// DynamicQuantizeLSTM (Dynamic). Every one they write is version 1 of the domain.
/// </summary>
public static class ContribOperators
{
    /// <summary>The contrib domain.</summary>
    public const string Domain = "com.microsoft";

    /// <summary>Imports the contrib domain at version 1, unless the model already imports it (that import stays as it is).</summary>
    public static void Import(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.GetOpsetVersion(Domain) is null) model.SetOpsetVersion(Domain, 1);
    }
}
