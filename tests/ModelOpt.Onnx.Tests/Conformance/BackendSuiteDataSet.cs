using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>One input set of a case: the <c>input_N.pb</c> and <c>output_N.pb</c> files of a <c>test_data_set_K</c> folder.</summary>
internal sealed record BackendSuiteDataSet(string Folder, IReadOnlyList<TensorProto> Inputs, IReadOnlyList<TensorProto> Outputs);
