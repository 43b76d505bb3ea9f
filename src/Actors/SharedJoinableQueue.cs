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
/// <para>At least once: an item stays on its consumer's account until that process calls <see cref="TaskDone"/>
/// for it (a consumer's calls are matched to the items it got, oldest first). If the consumer process
/// dies first (even by SIGKILL), the items on its account go back to the front of the queue for
/// another consumer, and <see cref="JoinAsync"/> keeps waiting for them: a killed consumer never
/// leaves a join hanging nor loses an item, but an item it had processed without calling
/// <see cref="TaskDone"/> is processed again.</para>
/// <para>So <see cref="TaskDone"/> is per process: a process calls it for items it got itself. Python's
/// <c>task_done()</c> raises <c>ValueError</c> only when called more times than items were put, across every
/// process; here a process that calls it more times than items it got (through any handle to this queue)
/// gets <see cref="InvalidOperationException"/>, at once, though its calls travel batched. That is
/// stricter than Python (a producer cannot finish items a consumer got), and it is what keeps each
/// consumer's account, and so the at-least-once redelivery, right.</para>
/// </remarks>
public sealed class SharedJoinableQueue<T> : SharedQueue<T>
{
    internal SharedJoinableQueue(SharedStateNode node, string host, string name, int maxSize)
        : base(node, host, name, maxSize, SharedObjects.JoinableQueueKind)
    {
    }

    /// <summary>
    /// Says one item this process got is finished, as Python's <c>task_done()</c>. The count reaches the
    /// driver with this process's next puts, and before it reports back to its driver; it returns at once,
    /// unless this process's earlier writes to other objects (a <see cref="SharedList{T}.Append"/> of the
    /// item's result) are not yet acknowledged: it waits for them first, so that a <see cref="JoinAsync"/>
    /// that returns sees them (Python's proxies give that order by waiting for every call's reply).
    /// </summary>
    /// <exception cref="InvalidOperationException">This process has already called it once for every item it got from
    /// this queue (by <see cref="SharedQueue{T}.GetAsync"/>, <see cref="SharedQueue{T}.GetNoWait"/> or
    /// <see cref="SharedQueue{T}.ReadAllAsync"/>, through any handle): Python's <c>ValueError('task_done() called too many times')</c>,
    /// counted per process (see the remarks); the queue's counts are unchanged. Or, in the queue's driver, the queue was deleted.</exception>
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
