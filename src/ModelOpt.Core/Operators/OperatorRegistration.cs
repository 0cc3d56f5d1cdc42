namespace ModelOpt.Core.Operators;

/// <summary>
/// One entry of an <see cref="OperatorRegistry{THandler}"/>: <paramref name="Handler"/> handles
/// <paramref name="OpType"/> of <paramref name="Domain"/> from opset <paramref name="SinceVersion"/>
/// on (until a registration with a newer since-version takes over). Several registrations of one
/// operator cover its schema versions.
/// </summary>
/// <typeparam name="THandler">The handler type of the registry's concern.</typeparam>
/// <param name="Domain">The operator's domain; <c>""</c> and <c>"ai.onnx"</c> both name the default ONNX domain.</param>
/// <param name="OpType">The operator type, e.g. <c>Conv</c>.</param>
/// <param name="SinceVersion">The first opset of <paramref name="Domain"/> this handler applies to, at least 1.</param>
/// <param name="Handler">The handler.</param>
public sealed record OperatorRegistration<THandler>(string Domain, string OpType, long SinceVersion, THandler Handler)
    where THandler : class;
