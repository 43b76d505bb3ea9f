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
}
