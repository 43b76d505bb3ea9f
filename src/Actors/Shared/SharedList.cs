using ActorParallel.Shared;
using ActorParallel.Wire;

namespace ActorParallel;

/// <summary>
/// A list shared by the driver and its worker processes, as Python's <c>Manager().list()</c>: pass it
/// to process targets and pool functions like any argument. Appends from any number of processes
/// are never lost or doubled. Order: the order in which appends reach the driver, so each process's
/// appends keep their order. Stored in the driver's Akka.DistributedData replicator.
/// </summary>
/// <typeparam name="T">The element type; it must be able to travel between processes.</typeparam>
public sealed class SharedList<T> : ISharedObject
{
    private readonly SharedStateNode _node;
    private readonly string _host;
    private ListWriter? _writer;

    internal SharedList(SharedStateNode node, string host, string name)
    {
        _node = node;
        _host = host;
        Name = name;
    }

    /// <summary>The list's name, unique within its manager.</summary>
    public string Name { get; }

    private ListWriter Writer => _writer ??= _node.ListWriter(_host, Name);

    /// <summary>
    /// Appends without waiting, as Python's <c>append</c> returns at once. The append is stored once
    /// <see cref="FlushAsync"/> completes, and before the process that made it is reported finished:
    /// a worker flushes before its target's end (or a chunk's result) reaches the driver.
    /// </summary>
    /// <param name="item">The element.</param>
    /// <exception cref="NotShippableException">The element cannot travel to another process.</exception>
    public void Append(T item) => Writer.Append(Encode(item));

    /// <summary>Appends and waits until the driver stores the element: it then survives the death of this process.</summary>
    /// <param name="item">The element.</param>
    /// <param name="cancellationToken">Cancels the wait, not the append.</param>
    /// <returns>A task that completes when the append is stored.</returns>
    public Task AppendAsync(T item, CancellationToken cancellationToken = default) => ExtendAsync([item], cancellationToken);

    /// <summary>Appends several elements, in order, and waits until the driver stores them.</summary>
    /// <param name="items">The elements.</param>
    /// <param name="cancellationToken">Cancels the wait, not the appends.</param>
    /// <returns>A task that completes when the appends are stored.</returns>
    public Task ExtendAsync(IEnumerable<T> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Writer.Extend([.. items.Select(Encode)], ack);
        return ack.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits until every append this process made to this list is stored by the driver.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the appends are stored.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        Writer.FlushAsync(cancellationToken);

    /// <summary>Reads the whole list, after this process's own appends are stored (read-your-writes).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The elements, in the list's order.</returns>
    public async Task<IReadOnlyList<T>> ToListAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<T>();
        while (true)
        {
            var page = await _node.RequestAsync<ListPage>(_host, new ReadList(Name, items.Count), cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Values.Select(bytes => (T)ValueCodec.Decode(bytes)!));
            if (page.Values.IsEmpty || items.Count >= page.Total)
            {
                return items;
            }
        }
    }

    /// <summary>The number of elements, including this process's own appends.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var page = await _node.RequestAsync<ListPage>(_host, new ReadList(Name, int.MaxValue), cancellationToken).ConfigureAwait(false);
        return page.Total;
    }

    /// <summary>Deletes the list's data.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the data is deleted.</returns>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _node.RequestAsync<SharedDeleted>(_host, new DeleteShared(Name), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"<SharedList '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => SharedObjects.WriteHeader(writer, SharedObjects.ListKind, _host, Name, typeof(T));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedList<T>(SharedStateNode.ForThisProcess(), host, name);

    private static byte[] Encode(T item) => ValueCodec.Encode(item, $"an element of SharedList<{typeof(T).Name}>");
}
