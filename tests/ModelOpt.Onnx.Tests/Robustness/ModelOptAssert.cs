using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// Checks the contract of a user-input failure: exactly a <see cref="ModelOptException"/>
/// (any other type is a bug), the right code, the file, and the names a user needs in the text.
/// </summary>
internal static class ModelOptAssert
{
    public static ModelOptException Throws(string code, string filePath, Action action, params string[] mentioned)
    {
        var exception = Assert.Throws<ModelOptException>(action);
        Assert.Equal(code, exception.Code);
        Assert.Equal(Path.GetFullPath(filePath), exception.FilePath);
        foreach (string text in mentioned) Assert.Contains(text, exception.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{exception.FilePath}: error {code}: ", exception.ToCanonicalString(), StringComparison.Ordinal);
        return exception;
    }
}
