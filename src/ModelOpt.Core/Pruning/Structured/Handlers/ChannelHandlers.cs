using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// The registry of per-op handlers, one class per operator family, each registered for the
/// default-domain operator types it names (<see cref="IChannelOpHandler.OpTypes"/>). How these
/// operators move channels is the same in every opset version; an operator without a handler is
/// a pruning boundary.
/// </summary>
internal static class ChannelHandlers
{
    /// <summary>The registry.</summary>
    public static OperatorRegistry<IChannelOpHandler> Registry { get; } = Build(
        new ConvChannelHandler(), new GemmChannelHandler(), new MatMulChannelHandler(), new UnaryChannelHandler(),
        new BinaryChannelHandler(), new NormalizationChannelHandler(), new ConcatChannelHandler(), new FlattenChannelHandler());

    private static OperatorRegistry<IChannelOpHandler> Build(params IChannelOpHandler[] handlers)
        => new(handlers.SelectMany(h => h.OpTypes.Select(op => new OperatorRegistration<IChannelOpHandler>("", op, 1, h))));
}
