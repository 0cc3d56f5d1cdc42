using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Tests.Validation;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Calibration;

public sealed class ActivationCalibratorTests
{
    /// <summary>
    /// One sample folder read as one <see cref="SampleSet"/> feeds calibration and validation
    /// alike; the calibration session comes from the factory and is gone when calibration ends.
    /// </summary>
    [Fact]
    public void OneSampleSetServesCalibrationAndValidation()
    {
        using var folder = new TempFolder();
        float[][] rows = [[1, 2, 3, 4, 5, 6, 7, 8], [-1, 0, 1, 0, -1, 0, 1, 0]];
        for (int i = 0; i < rows.Length; i++) SampleFiles.NpyFloats(folder.File($"sample_{i}.npy"), [2, 4], rows[i]);
        var data = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration);

        using var sessions = new SessionFactory();
        using var model = ValidationModels.LinearModel();
        var xw = model.Graph.Nodes.Single(n => n.OpType == "MatMul").Outputs[0]!;
        var (statistics, types) = new ActivationCalibrator(sessions).Collect(model, [xw], data, withHistograms: false);

        // xw = x·W by hand, over both samples.
        var products = rows.SelectMany(x => Enumerable.Range(0, 2).SelectMany(r => Enumerable.Range(0, ValidationModels.Classes).Select(c =>
            Enumerable.Range(0, ValidationModels.Features).Sum(k => x[r * ValidationModels.Features + k] * ValidationModels.Weights[k * ValidationModels.Classes + c])))).ToArray();
        var xwStatistics = Assert.Single(statistics);
        Assert.Equal(ElementType.Float, Assert.Single(types));
        Assert.Equal(products.Min(), xwStatistics.Min, 5);
        Assert.Equal(products.Max(), xwStatistics.Max, 5);
        Assert.Equal(products.Length, xwStatistics.Count);
        Assert.Equal(1, sessions.SessionsCreated);
        Assert.Equal(0, sessions.OpenSessions);

        byte[] bytes = OnnxModelWriter.ToBytes(model);
        var result = ModelComparison.Compare(sessions, bytes, bytes, data);
        Assert.Equal(2, result.SampleCount);
        Assert.Equal("CalibrationData folder " + folder.Path, result.Source);
    }
}
