namespace ActorParallel;

/// <summary>
/// A get found no item within its time (Python's <c>queue.Empty</c>, raised by <c>get(timeout=t)</c>
/// and <c>get_nowait()</c>).
/// </summary>
public sealed class QueueEmptyException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which queue, and how long the get waited.</param>
    public QueueEmptyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the exception that caused it (a worker's, rebuilt in the caller).</summary>
    /// <param name="message">Which queue, and how long the get waited.</param>
    /// <param name="innerException">The cause: for an error raised in a worker, the <see cref="RemoteException"/> with its remote stack.</param>
    public QueueEmptyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
