namespace ActorParallel;

/// <summary>
/// A target, argument or result cannot be sent to another process. The message names the value
/// (argument position or captured variable), its type and why it cannot travel.
/// </summary>
public sealed class NotShippableException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What cannot be shipped and why.</param>
    /// <param name="valueType">The type that cannot be shipped, when one is to blame.</param>
    /// <param name="innerException">The serializer's own error, if any.</param>
    public NotShippableException(string message, Type? valueType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ValueType = valueType;
    }

    /// <summary>
    /// Creates the exception with an inner one: the form in which a refusal raised in a worker (a result
    /// that cannot travel back) is rebuilt in the caller, its <see cref="RemoteException"/> inside.
    /// <see cref="ValueType"/> is then <see langword="null"/> (the type may not exist in the caller).
    /// </summary>
    /// <param name="message">What cannot be shipped and why.</param>
    /// <param name="innerException">The cause.</param>
    public NotShippableException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }

    /// <summary>The type that cannot be shipped, or <see langword="null"/> when the reason is not a type.</summary>
    public Type? ValueType { get; }
}
