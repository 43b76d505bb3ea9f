namespace ActorParallel;

/// <summary>
/// A <see cref="SharedBarrier"/> is broken (Python's <c>threading.BrokenBarrierError</c>): a party's
/// wait timed out, a waiting party's process died, the barrier was aborted or reset while waited on, or
/// its action threw (in another party, which gets the action's own exception) or that party's process died running it.
/// The message says which of these broke it (the driver, which breaks it, knows; Python's error does not say).
/// </summary>
public sealed class BrokenBarrierException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which barrier, and why it is broken if known.</param>
    public BrokenBarrierException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the exception that caused it (a worker's, rebuilt in the caller).</summary>
    /// <param name="message">Which barrier, and why it is broken if known.</param>
    /// <param name="innerException">The cause: for an error raised in a worker, the <see cref="RemoteException"/> with its remote stack.</param>
    public BrokenBarrierException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
