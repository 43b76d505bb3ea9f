namespace ActorParallel;

/// <summary>
/// A chunk was running on a worker process that died (killed, out of memory, crashed) as many times
/// as <see cref="PoolOptions.MaxChunkLosses"/> allows, so the map fails instead of looping. The
/// message names the chunk's items and the last death's cause, which <see cref="Cause"/> holds.
/// </summary>
public sealed class WorkerLostException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which chunk, how often, and the last exit code.</param>
    /// <param name="firstItem">Index in the input of the chunk's first item.</param>
    /// <param name="itemCount">How many items the chunk holds.</param>
    public WorkerLostException(string message, int firstItem, int itemCount)
        : base(message)
    {
        FirstItem = firstItem;
        ItemCount = itemCount;
    }

    /// <summary>Creates the exception with the cause of the worker's last death.</summary>
    /// <param name="message">Which chunk, how often, and why its worker died.</param>
    /// <param name="firstItem">Index in the input of the chunk's first item.</param>
    /// <param name="itemCount">How many items the chunk holds.</param>
    /// <param name="cause">Why the worker last running the chunk died; <see langword="null"/> when unknown.</param>
    public WorkerLostException(string message, int firstItem, int itemCount, WorkerExitCause? cause)
        : this(message, firstItem, itemCount)
    {
        Cause = cause;
    }

    /// <summary>Index in the input of the chunk's first item.</summary>
    public int FirstItem { get; }

    /// <summary>How many items the chunk holds.</summary>
    public int ItemCount { get; }

    /// <summary>
    /// Why the worker last running the chunk died (<see cref="WorkerExitCause.Kind"/>: a stack overflow,
    /// <see cref="Environment.FailFast(string)"/>, out of memory, a signal, ...) with the last lines of
    /// its stderr; <see langword="null"/> when the pool lost the worker without an exit status (its Host
    /// node went away) or the pool itself has no workers left.
    /// </summary>
    public WorkerExitCause? Cause { get; }
}
