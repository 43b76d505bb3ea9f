using ActorParallel.Driver;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A first-in, first-out queue shared by the driver and its worker processes, as Python's
/// <c>multiprocessing.Queue</c> (made by <see cref="Manager.Queue{T}"/>, as <c>Manager().Queue()</c>):
/// pass it to a process target or pool function as an argument. Its items live in the driver, so an
/// item whose put was acknowledged survives the death of the process that put it.
/// </summary>
/// <typeparam name="T">The item type: any type the wire format carries (numbers, strings, arrays, records of them, nullable types for a <c>None</c>-like end marker).</typeparam>
/// <remarks>
/// <para>Speed: a worker's <see cref="Put"/> calls travel to the driver in batches, one in flight at
/// a time; its <see cref="GetAsync"/> calls bring up to 256 items at once (one on a bounded queue)
/// and hand them out one by one. Workers linked directly to the driver (the default for local
/// workers) reach the queue over that link, with no actor between; Host-node workers through Akka.Remote.</para>
/// <para>Nothing is lost silently: a process's puts are stored before it reports back to its driver
/// (a target's end, a chunk's results), so a process that exits right after <see cref="Put"/> loses
/// nothing and deadlocks no join (CPython's "joining processes that use queues" trap). A consumer
/// process killed while it holds items: the items it had received but its code had not yet got
/// go back to the front of the queue, and so may the item its last <see cref="GetAsync"/> returned
/// (its process reports what its code took with its next request): delivery is at least once, never
/// silently lost. For processing guarantees use <see cref="SharedJoinableQueue{T}"/>, whose items stay on
/// the consumer's account until <see cref="SharedJoinableQueue{T}.TaskDone"/>.</para>
/// </remarks>
public class SharedQueue<T> : ISharedObject
{
    private readonly string _host;
    private readonly byte _kind;
    private bool _closed;

    /// <summary>How errors name an item (made once: puts are a hot path).</summary>
    private string? _itemName;

    internal SharedQueue(SharedStateNode node, string host, string name, int maxSize, byte kind)
    {
        _host = host;
        _kind = kind;
        Name = name;
        MaxSize = maxSize;
        Client = QueueStore.Find(host) is { } store
            ? new LocalQueueClient(store, name, node.Address, node.TaskAccount(host, name), node)
            : new RemoteQueueClient(node, host, name, maxSize > 0);
    }

    /// <summary>The queue's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>The most items the queue holds (Python's <c>maxsize</c>); 0 for an unbounded queue.</summary>
    public int MaxSize { get; }

    internal IQueueClient Client { get; }

    /// <summary>
    /// Puts <paramref name="item"/>, as Python's <c>put(item)</c>. On an unbounded queue it returns at
    /// once and the item is stored before this process reports back to its driver (use
    /// <see cref="PutAsync"/> or <see cref="FlushAsync"/> to wait for it); on a bounded queue it blocks
    /// the calling thread until there is room and the item is in. Either way, it first waits for this
    /// process's earlier writes to other objects that are not yet acknowledged (whoever gets the item
    /// sees them, as with Python's proxies).
    /// </summary>
    /// <param name="item">The item.</param>
    /// <exception cref="NotShippableException">The item cannot travel to another process.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed (<see cref="Close"/>), or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public void Put(T item)
    {
        var value = Encode(item);
        if (MaxSize > 0)
        {
            Client.PutAsync(value, CancellationToken.None).GetAwaiter().GetResult();
        }
        else
        {
            Client.Put(value);
        }
    }

    /// <summary>
    /// Puts <paramref name="item"/> and waits until the driver stores it (it then survives the death of
    /// this process), as Python's <c>put(item, block=True, timeout)</c>. On a bounded queue that is once
    /// there is room.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room in a bounded queue; <see langword="null"/> (the default) waits as long as it takes; <see cref="TimeSpan.Zero"/> is <see cref="PutNoWait"/>.</param>
    /// <param name="cancellationToken">Cancels the wait; an item without a timeout may still be put.</param>
    /// <returns>A task that completes when the item is in the queue.</returns>
    /// <exception cref="QueueFullException">The queue stayed full for <paramref name="timeout"/>; the item was not put.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="NotShippableException">The item cannot travel to another process.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed, or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async Task PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var value = Encode(item);
        if (timeout is null || MaxSize == 0)
        {
            await Client.PutAsync(value, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!await Client.OfferAsync(value, Milliseconds(timeout.Value, nameof(timeout)), cancellationToken).ConfigureAwait(false))
        {
            throw new QueueFullException($"Shared queue '{Name}' stayed full (its maximum size is {MaxSize}) for {timeout.Value.TotalSeconds:0.###} s: the item was not put (Python's queue.Full).");
        }
    }

    /// <summary>Puts <paramref name="item"/> only if there is room now, as Python's <c>put_nowait(item)</c>; on an unbounded queue, as <see cref="Put"/>.</summary>
    /// <param name="item">The item.</param>
    /// <exception cref="QueueFullException">The bounded queue is full; the item was not put.</exception>
    /// <exception cref="NotShippableException">The item cannot travel to another process.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed, or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public void PutNoWait(T item)
    {
        if (MaxSize == 0)
        {
            Put(item);
            return;
        }
        PutAsync(item, TimeSpan.Zero).GetAwaiter().GetResult();
    }

    /// <summary>Removes and returns the first item, waiting for one, as Python's <c>get(block=True, timeout)</c>.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) waits as long as it takes; <see cref="TimeSpan.Zero"/> is <see cref="GetNoWait"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (an item that arrived meanwhile stays in the queue).</param>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">No item came within <paramref name="timeout"/> (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed (<see cref="Close"/>; Python raises <c>ValueError</c>), or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async Task<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        var milliseconds = timeout is { } limit ? Milliseconds(limit, nameof(timeout)) : -1;
        var value = await Client.TakeAsync(milliseconds, cancellationToken).ConfigureAwait(false)
            ?? throw new QueueEmptyException(milliseconds == 0
                ? $"Shared queue '{Name}' is empty (Python's queue.Empty)."
                : $"Shared queue '{Name}' stayed empty for {timeout!.Value.TotalSeconds:0.###} s (Python's queue.Empty).");
        return (T)ValueCodec.Decode(value)!;
    }

    /// <summary>Removes and returns the first item if there is one now, as Python's <c>get_nowait()</c> (it asks the driver, so from a worker it waits for that answer).</summary>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed, or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public T GetNoWait() => GetAsync(TimeSpan.Zero).GetAwaiter().GetResult();

    /// <summary>
    /// Takes items as they come, one <see cref="GetAsync"/> at a time, until <paramref name="cancellationToken"/>
    /// is cancelled (then <see cref="OperationCanceledException"/>) or the consumer stops iterating; a loop
    /// over Python's <c>iter(q.get, None)</c> becomes <c>await foreach</c> with a <c>break</c> at the end marker.
    /// </summary>
    /// <param name="cancellationToken">Ends the iteration.</param>
    /// <returns>The items, in the queue's order as this consumer receives them.</returns>
    /// <exception cref="InvalidOperationException">This handle was closed, or the queue was deleted.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async IAsyncEnumerable<T> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            yield return await GetAsync(null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The number of items in the queue, after this process's own puts are stored, as Python's
    /// <c>qsize()</c>: items that consumers have received but not yet handed to their code count as in the
    /// queue. Other processes may change it at once, so it is a snapshot.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default) =>
        (await Client.StatusAsync(cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>; a snapshot, see <see cref="CountAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when it holds no item.</returns>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken = default) =>
        await CountAsync(cancellationToken).ConfigureAwait(false) == 0;

    /// <summary>Whether a bounded queue is full now (Python's <c>full()</c>; a snapshot); always <see langword="false"/> for an unbounded one.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when it holds <see cref="MaxSize"/> items.</returns>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public async Task<bool> IsFullAsync(CancellationToken cancellationToken = default) =>
        MaxSize > 0 && await CountAsync(cancellationToken).ConfigureAwait(false) >= MaxSize;

    /// <summary>Waits until every item this process put is stored by the driver (Python's <c>join_thread()</c>, which waits for the feeder thread).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the puts are stored.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Client.FlushAsync(cancellationToken);

    /// <summary>
    /// Says this handle will put no more items, as Python's <c>close()</c>: later puts and gets through it
    /// throw <see cref="InvalidOperationException"/> (Python's <c>ValueError: Queue is closed</c>). Items put before are still delivered (they are stored before this process reports back); other
    /// handles and processes are not affected.
    /// </summary>
    public void Close() => _closed = true;

    /// <inheritdoc />
    public override string ToString() => $"<{GetType().Name.Split('`')[0]} '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, _kind, _host, Name, typeof(T));
        writer.WriteInt32(MaxSize);
    }

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedQueue<T>(SharedStateNode.For(host), host, name, reader.ReadInt32(), SharedObjects.QueueKind);

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException($"Shared queue '{Name}' was closed by this handle (Python's ValueError: Queue is closed).");
        }
    }

    /// <summary>An item's bytes, once this handle is known to be open.</summary>
    private protected byte[] Encode(T item)
    {
        ThrowIfClosed();
        return ValueCodec.Encode(item, _itemName ??= $"an item of {GetType().Name.Split('`')[0]}<{Serialization.TypeNames.Readable(typeof(T))}>");
    }

    private protected static long Milliseconds(TimeSpan timeout, string paramName) => Configuration.Timeouts.WaitMilliseconds(timeout, paramName);
}
