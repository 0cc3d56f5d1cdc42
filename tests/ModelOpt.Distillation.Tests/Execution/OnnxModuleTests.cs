using ModelOpt.Distillation.Execution;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using TorchSharp;

namespace ModelOpt.Distillation.Tests.Execution;

public sealed class OnnxModuleTests
{
    [Fact]
    public void Every_float_weight_is_a_trainable_parameter_named_after_its_initializer_and_gets_a_gradient()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        using var module = OnnxModule.Create(model);
        using var scope = torch.NewDisposeScope();

        Assert.Equal(SmallNetworks.Trainable, module.TrainableInitializerNames);
        Assert.Equal(["bn.mean", "bn.var"], module.RunningStatisticNames);
        Assert.Equal(SmallNetworks.Trainable, module.InitializerParameters.Select(p => p.Key));
        // The optimizer sees exactly these: TorchSharp's own parameter list is the same set.
        Assert.Equal(SmallNetworks.Trainable.Length, module.parameters().Count());

        module.eval();
        var input = SmallNetworks.SampleInput();
        var output = module.forward(new Dictionary<string, torch.Tensor> { [input.Name] = torch.tensor(input.Data, input.Shape) })["y"];
        output.square().sum().backward();

        foreach (var (name, parameter) in module.InitializerParameters)
        {
            Assert.True(parameter.requires_grad, name);
            var gradient = parameter.grad;
            Assert.NotNull(gradient);
            Assert.True(gradient.abs().sum().item<float>() > 0, $"{name} got a zero gradient");
        }
    }

    [Fact]
    public void Training_mode_normalizes_with_batch_statistics_and_updates_the_running_ones()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 4, 2, 3, 3);
        b.Output(b.Op("BatchNormalization", [x, b.Weight("scale", [2], [1f, 2f]), b.Weight("bias", [2], [0f, 1f]), b.Weight("mean", [2], [0.5f, -0.5f]), b.Weight("var", [2], [1f, 4f])], "y",
            NodeAttribute.FromFloat("momentum", 0.8f), NodeAttribute.FromFloat("epsilon", 1e-5f)));
        using var model = b.Build(15);
        using var module = OnnxModule.Create(model);
        using var scope = torch.NewDisposeScope();
        var data = torch.tensor(Numbers.Uniform(72, seed: 9, low: -3f, high: 5f), [4, 2, 3, 3]);

        module.train();
        var y = module.forward(new Dictionary<string, torch.Tensor> { ["x"] = data })["y"];

        var batchMean = data.mean([0, 2, 3]);
        var batchVariance = data.var([0, 2, 3], unbiased: false);
        var expected = data.sub(batchMean.reshape(1, 2, 1, 1)).div(batchVariance.add(1e-5).sqrt().reshape(1, 2, 1, 1))
            .mul(torch.tensor(new[] { 1f, 2f }).reshape(1, 2, 1, 1)).add(torch.tensor(new[] { 0f, 1f }).reshape(1, 2, 1, 1));
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5));
        // ONNX momentum weighs the old value: running = running * 0.8 + batch * 0.2.
        var expectedMean = torch.tensor(new[] { 0.5f, -0.5f }).mul(0.8).add(batchMean.mul(0.2));
        Assert.True(module.GetInitializer("mean").allclose(expectedMean, rtol: 1e-5, atol: 1e-6));
        var expectedVariance = torch.tensor(new[] { 1f, 4f }).mul(0.8).add(data.var([0, 2, 3], unbiased: true).mul(0.2));
        Assert.True(module.GetInitializer("var").allclose(expectedVariance, rtol: 1e-5, atol: 1e-6));

        // Eval mode normalizes with the (now updated) running statistics, as ONNX Runtime does.
        module.WriteBack(model);
        ModuleRunner.AssertMatchesOnnxRuntime(model, [new FloatInput("x", ModuleRunner.Floats(data), [4, 2, 3, 3])]);
    }

    [Fact]
    public void Writing_back_a_changed_parameter_changes_onnx_runtimes_output_the_same_way()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        byte[] before = OnnxModelWriter.ToBytes(model);
        var input = SmallNetworks.SampleInput();
        using var module = OnnxModule.Create(model);
        using (torch.no_grad())
        {
            module.InitializerParameters.Single(p => p.Key == "fc.w").Value.mul_(1.5f);
            module.InitializerParameters.Single(p => p.Key == "head.c").Value.add_(0.25f);
        }

        Assert.Equal(2, module.WriteBack(model));

        Assert.NotEqual(before, OnnxModelWriter.ToBytes(model));
        var written = model.Graph.Initializers.Single(v => v.Name == "fc.w").Initializer!;
        Assert.Equal(ElementType.Float, written.ElementType);
        Assert.Equal([36L, 8], written.Dims);
        ModuleRunner.AssertMatchesOnnxRuntime(model, [input]);
        var moduleOutput = ModuleRunner.Run(module, input)[0];
        var originalOutput = OrtRunner.Run(before, input)[0];
        Assert.True(Numbers.MaxAbsDifference(moduleOutput, originalOutput) > 1e-2, "the change reached the output");
        Assert.Equal(moduleOutput, OrtRunner.Run(model, input)[0], new ToleranceComparer(1e-5f));
    }

    [Fact]
    public void Writing_back_unchanged_parameters_leaves_the_model_byte_identical()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        byte[] before = OnnxModelWriter.ToBytes(model);
        using var module = OnnxModule.Create(model);
        ModuleRunner.Run(module, SmallNetworks.SampleInput());

        Assert.Equal(0, module.WriteBack(model));

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void Write_back_goes_into_a_clone_by_initializer_name()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        using var clone = model.Clone();
        using var module = OnnxModule.Create(model);
        using (torch.no_grad()) module.InitializerParameters[0].Value.neg_();

        Assert.Equal(1, module.WriteBack(clone));

        Assert.Equal(module.GetInitializer("conv.w").data<float>().ToArray(), clone.Graph.Initializers.Single(v => v.Name == "conv.w").Initializer!.ToFloatArray());
    }

    [Fact]
    public void Intermediate_values_are_returned_by_name_on_request()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        using var module = OnnxModule.Create(model);
        using var scope = torch.NewDisposeScope();
        module.eval();
        var input = SmallNetworks.SampleInput();
        var inputs = new Dictionary<string, torch.Tensor> { [input.Name] = torch.tensor(input.Data, input.Shape) };

        var values = module.Run(inputs, ["relu", "fc", "fc.b"]);

        Assert.Equal(["y", "relu", "fc", "fc.b"], values.Keys);
        Assert.Equal([2L, 4, 3, 3], values["relu"].shape);
        Assert.True(values["relu"].min().item<float>() >= 0);
        Assert.Equal([2L, 8], values["fc"].shape);
        Assert.True(module.HasValue("fc.matmul"));
        Assert.False(module.HasValue("nothing"));
    }

    [Fact]
    public void Wrong_inputs_and_unknown_value_names_are_MOPT0303()
    {
        using var model = SmallNetworks.ConvBatchNormMatMulGemm();
        using var module = OnnxModule.Create(model);
        using var scope = torch.NewDisposeScope();
        var good = torch.zeros(SmallNetworks.InputShape);

        var missing = Assert.Throws<ModelOptException>(() => module.forward(new Dictionary<string, torch.Tensor>()));
        var unknown = Assert.Throws<ModelOptException>(() => module.forward(new Dictionary<string, torch.Tensor> { ["x"] = good, ["z"] = good }));
        var type = Assert.Throws<ModelOptException>(() => module.forward(new Dictionary<string, torch.Tensor> { ["x"] = good.to_type(torch.ScalarType.Int64) }));
        var value = Assert.Throws<ModelOptException>(() => module.Run(new Dictionary<string, torch.Tensor> { ["x"] = good }, ["no such value"]));

        Assert.All([missing, unknown, type, value], e => Assert.Equal(DiagnosticCode.DistillationInputsMismatch, e.Code));
        Assert.Contains("'x' is missing", missing.Message);
        Assert.Contains("'z'", unknown.Message);
        Assert.Contains("FLOAT", type.Message);
        Assert.Contains("'no such value'", value.Message);
    }

    [Fact]
    public void An_operator_without_a_converter_is_MOPT0301_naming_node_operator_domain_and_opset()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 2, 3);
        var node = new Node("FusedGelu", [b.Op("Relu", [x], "r")], ["y"], "fused", "com.microsoft");
        b.Graph.AddNode(node);
        var topK = b.Node("TopK", [node.Outputs[0], b.Int64s("k", 1)], ["values", "indices"], "top");
        b.Output(topK.Outputs[0]!);
        using var model = b.Build(13);
        model.SetOpsetVersion("com.microsoft", 1);

        var error = Assert.Throws<ModelOptException>(() => OnnxModule.Create(model));

        Assert.Equal(DiagnosticCode.DistillationUnsupportedOperator, error.Code);
        Assert.Contains("node 'fused' (com.microsoft.FusedGelu) of domain 'com.microsoft' at opset 1", error.Message);
        Assert.Contains("node 'top' (TopK) of domain 'ai.onnx' at opset 13", error.Message);
        Assert.Contains("ExcludeNodes", error.Message);
        Assert.Contains("Distill=false", error.Message);
    }

    [Fact]
    public void An_operator_newer_than_the_models_opset_has_no_converter()
    {
        var b = new GraphBuilder();
        b.Output(b.Op("HardSwish", [b.Input("x", 2, 3)], "y"));
        using var model = b.Build(13);

        var error = Assert.Throws<ModelOptException>(() => OnnxModule.Create(model));

        Assert.Equal(DiagnosticCode.DistillationUnsupportedOperator, error.Code);
        Assert.Contains("(HardSwish) of domain 'ai.onnx' at opset 13", error.Message);
    }

    [Fact]
    public void An_attribute_a_converter_does_not_support_is_MOPT0302_naming_the_node()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 1, 2, 2);
        b.Output(b.Op("Resize", [x, null, b.Weight("scales", [4], [1, 1, 2, 2])], "up", NodeAttribute.FromString("mode", "cubic")));
        using var model = b.Build(13);

        var error = Assert.Throws<ModelOptException>(() => OnnxModule.Create(model));

        Assert.Equal(DiagnosticCode.DistillationUnsupportedNode, error.Code);
        Assert.Contains("node 'up' (Resize) (opset 13)", error.Message);
        Assert.Contains("mode=\"cubic\"", error.Message);
    }

    [Fact]
    public void Nodes_out_of_file_order_run_in_topological_order()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 2, 3);
        var late = new Node("Relu", [new Value("mid")], ["y"], "late");
        b.Graph.AddNode(late);
        var early = b.Node("Neg", [x], ["mid_tmp"], "early");
        late.SetInput(0, early.Outputs[0]);
        b.Output(late.Outputs[0]!);
        using var model = b.Build(13);
        var input = new FloatInput("x", [1, -2, 3, -4, 5, -6], [2, 3]);

        using var module = OnnxModule.Create(model);

        Assert.Equal(new float[] { 0, 2, 0, 4, 0, 6 }, ModuleRunner.Run(module, input)[0]);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(float obj) => 0;
    }
}
