namespace ActorParallel.Workers;

/// <summary>
/// This process's account with one queue: the items its code got from it (through any handle) minus
/// its <c>TaskDone</c> calls. The calls travel batched, so the driver could not answer one that has no
/// item to finish; this account refuses it at once, in the caller, as Python's <c>task_done()</c> raises
/// <c>ValueError</c> (per process, where Python counts across every process). Thread-safe.
/// </summary>
internal sealed class TaskAccount(string queue)
{
    private long _open;

    /// <summary>An item was handed to this process's code.</summary>
    public void Got() => Interlocked.Increment(ref _open);

    /// <summary>One of them is finished.</summary>
    /// <exception cref="InvalidOperationException">This process has called it for every item it got already.</exception>
    public void Done()
    {
        var open = Volatile.Read(ref _open);
        while (true)
        {
            if (open <= 0)
            {
                throw new InvalidOperationException(
                    $"Joinable queue '{queue}': TaskDone() called more times than items this process got from it (Python's task_done() raises ValueError).");
            }
            var seen = Interlocked.CompareExchange(ref _open, open - 1, open);
            if (seen == open)
            {
                return;
            }
            open = seen;
        }
    }
}
