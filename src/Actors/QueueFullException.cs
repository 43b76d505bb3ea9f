namespace ActorParallel;

/// <summary>
/// A put found no room in a bounded queue within its time (Python's <c>queue.Full</c>, raised by
/// <c>put(item, timeout=t)</c> and <c>put_nowait(item)</c>); the item was not put.
/// </summary>
public sealed class QueueFullException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which queue, its bound, and how long the put waited.</param>
    public QueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the exception that caused it (a worker's, rebuilt in the caller).</summary>
    /// <param name="message">Which queue, its bound, and how long the put waited.</param>
    /// <param name="innerException">The cause: for an error raised in a worker, the <see cref="RemoteException"/> with its remote stack.</param>
    public QueueFullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
