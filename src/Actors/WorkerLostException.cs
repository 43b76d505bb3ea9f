namespace ActorParallel;

/// <summary>
/// A chunk was running on a worker process that died (killed, out of memory, crashed) as many times
/// as <see cref="PoolOptions.MaxChunkLosses"/> allows, so the map fails instead of looping.
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

    /// <summary>Index in the input of the chunk's first item.</summary>
    public int FirstItem { get; }

    /// <summary>How many items the chunk holds.</summary>
    public int ItemCount { get; }
}
