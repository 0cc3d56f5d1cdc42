using System.Globalization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Operators;

/// <summary>
/// The handlers of one concern (quantizers, channel handlers, float16 type rules), keyed by
/// (domain, operator type, since-version) and built from an explicit list, after onnx2torch's
/// converter registry: registering a key twice is an error, and a lookup maps the model's opset
/// to the handler with the newest since-version not above it. An operator without a handler
/// gives null; what that means (passed through, a pruning boundary, reported) is the caller's.
/// </summary>
/// <typeparam name="THandler">The handler interface of the concern.</typeparam>
public sealed class OperatorRegistry<THandler>
    where THandler : class
{
    /// <summary>Per (domain, operator type), the registrations ordered by since-version, newest first.</summary>
    private readonly Dictionary<(string Domain, string OpType), OperatorRegistration<THandler>[]> _byOperator;

    /// <summary>
    /// Builds the registry from <paramref name="registrations"/>. A key registered twice (the
    /// domains <c>""</c> and <c>"ai.onnx"</c> being one), an empty operator type or a
    /// since-version below 1 is an <see cref="ArgumentException"/>: the list is code, so this is a bug.
    /// </summary>
    public OperatorRegistry(IEnumerable<OperatorRegistration<THandler>> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var byOperator = new Dictionary<(string, string), List<OperatorRegistration<THandler>>>();
        var list = new List<OperatorRegistration<THandler>>();
        foreach (var registration in registrations)
        {
            ArgumentNullException.ThrowIfNull(registration);
            ArgumentNullException.ThrowIfNull(registration.Domain);
            ArgumentNullException.ThrowIfNull(registration.Handler);
            if (string.IsNullOrEmpty(registration.OpType)) throw new ArgumentException("A registration names no operator type.", nameof(registrations));
            if (registration.SinceVersion < 1)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{Describe(registration.Domain, registration.OpType)} is registered since opset {registration.SinceVersion}; opsets start at 1."), nameof(registrations));
            }
            var key = (NormalizeDomain(registration.Domain), registration.OpType);
            if (!byOperator.TryGetValue(key, out var versions)) byOperator[key] = versions = [];
            if (versions.Any(v => v.SinceVersion == registration.SinceVersion))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{Describe(registration.Domain, registration.OpType)} since opset {registration.SinceVersion} is registered twice."), nameof(registrations));
            }
            versions.Add(registration);
            list.Add(registration);
        }
        _byOperator = byOperator.ToDictionary(p => p.Key, p => p.Value.OrderByDescending(v => v.SinceVersion).ToArray());
        Registrations = list;
    }

    /// <summary>Every registration, in the order given.</summary>
    public IReadOnlyList<OperatorRegistration<THandler>> Registrations { get; }

    /// <summary>
    /// The handler of <paramref name="opType"/> in <paramref name="domain"/> read at
    /// <paramref name="opset"/>: the registration with the newest since-version not above it, or
    /// null when there is none (no handler, or every handler is for newer opsets). A null
    /// <paramref name="opset"/> (the model does not import the domain, so ONNX gives the node no
    /// version) takes the newest registration.
    /// </summary>
    public THandler? Find(string domain, string opType, long? opset)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(opType);
        if (!_byOperator.TryGetValue((NormalizeDomain(domain), opType), out var versions)) return null;
        foreach (var registration in versions)
        {
            if (opset is not { } version || registration.SinceVersion <= version) return registration.Handler;
        }
        return null;
    }

    /// <summary>The handler of <paramref name="node"/>, read at the opset <paramref name="model"/> imports for the node's domain.</summary>
    public THandler? Find(OnnxModel model, Node node)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(node);
        return Find(node.Domain, node.OpType, model.GetOpsetVersion(node.Domain));
    }

    /// <summary><c>ai.onnx</c> is the default domain's explicit name (ONNX IR: an empty domain means <c>ai.onnx</c>).</summary>
    private static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    private static string Describe(string domain, string opType)
        => $"operator '{opType}' of domain '{(NormalizeDomain(domain).Length == 0 ? "ai.onnx" : domain)}'";
}
