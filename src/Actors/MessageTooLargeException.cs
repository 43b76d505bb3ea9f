namespace ActorParallel;

/// <summary>A single value is larger than one remoting message may be; the message says how large and what the limit is.</summary>
public sealed class MessageTooLargeException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is too large, its size and the limit.</param>
    public MessageTooLargeException(string message)
        : base(message)
    {
    }
}
