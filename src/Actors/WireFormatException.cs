namespace ActorParallel;

/// <summary>Bytes that arrived on the wire are not a valid ActorParallel message.</summary>
public sealed class WireFormatException : ActorParallelException
{
    /// <summary>Creates the exception with a message that says what was malformed.</summary>
    /// <param name="message">What was wrong with the bytes.</param>
    public WireFormatException(string message)
        : base(message)
    {
    }
}
