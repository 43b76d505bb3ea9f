namespace ActorParallel;

/// <summary>
/// An item ran past its deadline (<see cref="ItemOptions.Timeout"/>, <see cref="PoolOptions.ItemTimeout"/>):
/// its worker process was killed and replaced. (<c>pebble</c> raises <c>TimeoutError</c> in the same case.)
/// </summary>
public sealed class ItemTimeoutException : ActorParallelException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which item, its deadline and how long it ran.</param>
    /// <param name="itemIndex">The item's index in the call's input; <see langword="null"/> for an <c>ApplyAsync</c> call.</param>
    /// <param name="timeout">The item's deadline.</param>
    /// <param name="elapsed">How long the item had run when its worker was killed.</param>
    /// <param name="workerPid">The OS pid of the worker process that was killed.</param>
    public ItemTimeoutException(string message, int? itemIndex, TimeSpan timeout, TimeSpan elapsed, int workerPid)
        : base(message)
    {
        ItemIndex = itemIndex;
        Timeout = timeout;
        Elapsed = elapsed;
        WorkerPid = workerPid;
    }

    /// <summary>The item's index in the call's input; <see langword="null"/> for an <c>ApplyAsync</c> call.</summary>
    public int? ItemIndex { get; }

    /// <summary>The item's deadline.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How long the item had run, in its worker, when the worker was found past the deadline.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The OS pid of the worker process that was killed.</summary>
    public int WorkerPid { get; }
}
