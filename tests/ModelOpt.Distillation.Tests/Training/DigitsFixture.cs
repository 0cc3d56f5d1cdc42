namespace ModelOpt.Distillation.Tests.Training;

/// <summary>The digits, their training folder and the teacher, made once for the distillation tests.</summary>
public sealed class DigitsFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public DigitsFixture()
    {
        Data = DigitsDataset.Load();
        TrainingFolder = Data.WriteTrainingFolder(_folder.File("train"));
        TeacherPath = _folder.File("teacher.onnx");
        DigitsTeacher.Train(Data, TeacherPath);
        TeacherAccuracy = Data.TestAccuracy(TeacherPath);
    }

    internal DigitsDataset Data { get; }

    public string TrainingFolder { get; }

    public string TeacherPath { get; }

    public double TeacherAccuracy { get; }

    public void Dispose() => _folder.Dispose();
}
