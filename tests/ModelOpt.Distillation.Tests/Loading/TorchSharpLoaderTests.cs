using ModelOpt.Distillation.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelOpt.Distillation.Tests.Loading;

public sealed class TorchSharpLoaderTests
{
    [Fact]
    public void A_linear_layer_trains_one_adam_step_after_the_loader_ran()
    {
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        var layer = nn.Linear(4, 2);
        var optimizer = optim.Adam(layer.parameters(), lr: 0.01);
        var input = ones(3, 4);
        var target = full(3, 2, 5f);
        float before = nn.functional.mse_loss(layer.forward(input), target).item<float>();
        optimizer.zero_grad();
        nn.functional.mse_loss(layer.forward(input), target).backward();
        optimizer.step();
        float after = nn.functional.mse_loss(layer.forward(input), target).item<float>();
        Assert.True(after < before, $"loss {before} -> {after}");
    }
}
