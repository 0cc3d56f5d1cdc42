namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>The registry of per-op handlers, one class per operator family.</summary>
internal static class ChannelHandlers
{
    private static readonly Dictionary<string, IChannelOpHandler> ByOpType = Build(
        new ConvChannelHandler(), new GemmChannelHandler(), new MatMulChannelHandler(), new UnaryChannelHandler(),
        new BinaryChannelHandler(), new NormalizationChannelHandler(), new ConcatChannelHandler(), new FlattenChannelHandler());

    /// <summary>The handler of <paramref name="opType"/>, or null when no handler understands it.</summary>
    public static IChannelOpHandler? Find(string opType) => ByOpType.GetValueOrDefault(opType);

    private static Dictionary<string, IChannelOpHandler> Build(params IChannelOpHandler[] handlers)
    {
        var map = new Dictionary<string, IChannelOpHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            foreach (string op in handler.OpTypes) map.Add(op, handler);
        }
        return map;
    }
}
