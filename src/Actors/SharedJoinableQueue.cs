using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A <see cref="SharedQueue{T}"/> that counts unfinished items, as Python's
/// <c>multiprocessing.JoinableQueue</c> (made by <see cref="Manager.JoinableQueue{T}"/>): every put adds
/// one, every <see cref="TaskDone"/> takes one away, and <see cref="JoinAsync"/> waits until none is left.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// At least once: an item stays on its consumer's account until that process calls <see cref="TaskDone"/>
/// for it (a consumer's calls are matched to the items it got, oldest first). If the consumer process
/// dies first (even by SIGKILL), the items on its account go back to the front of the queue for
/// another consumer, and <see cref="JoinAsync"/> keeps waiting for them: a killed consumer never
/// leaves a join hanging nor loses an item, but an item it had processed without calling
/// <see cref="TaskDone"/> is processed again.
/// </remarks>
public sealed class SharedJoinableQueue<T> : SharedQueue<T>
{
    internal SharedJoinableQueue(SharedStateNode node, string host, string name, int maxSize)
        : base(node, host, name, maxSize, SharedObjects.JoinableQueueKind)
    {
    }

    /// <summary>
    /// Says one item this process got is finished, as Python's <c>task_done()</c>. Returns at once; the
    /// count reaches the driver with this process's next puts, and before it reports back to its driver.
    /// Calls beyond the number of unfinished items are ignored (Python raises <c>ValueError</c>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public void TaskDone() => Client.TaskDone();

    /// <summary>
    /// Waits until every item ever put has had its <see cref="TaskDone"/>, as Python's <c>join()</c>,
    /// after this process's own puts and <see cref="TaskDone"/> calls are stored.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when no item is unfinished.</returns>
    /// <exception cref="InvalidOperationException">The queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed, before or while this caller waits.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default) => Client.JoinAsync(cancellationToken);

    internal static new object ReadHandle(WireReader reader, string host, string name) =>
        new SharedJoinableQueue<T>(SharedStateNode.For(host), host, name, reader.ReadInt32());
}
