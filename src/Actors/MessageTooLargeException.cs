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

    /// <summary>Creates the exception with the exception that caused it (a worker's, rebuilt in the caller).</summary>
    /// <param name="message">What is too large, its size and the limit.</param>
    /// <param name="innerException">The cause: for an error raised in a worker, the <see cref="RemoteException"/> with its remote stack.</param>
    public MessageTooLargeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
