using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A list shared by the driver and its worker processes, as Python's <c>Manager().list()</c>: pass it
/// to process targets and pool functions like any argument. Appends from any number of processes
/// are never lost or doubled. Order: the order in which appends reach the driver, so each process's
/// appends keep their order. Stored in the driver's Akka.DistributedData replicator.
/// <para>
/// Python's list methods are here too, each applied by the driver at once, between other processes'
/// appends and edits, after this process's own appends (program order): <see cref="GetAsync"/> and
/// <see cref="SetAsync"/> (<c>list[i]</c>, <c>list[i] = x</c>), <see cref="PopAsync"/>,
/// <see cref="RemoveAsync"/>, <see cref="ClearAsync"/>, and <c>await foreach</c> over the list. Indexes
/// are Python's: a negative one counts from the end.
/// </para>
/// </summary>
/// <typeparam name="T">The element type; it must be able to travel between processes.</typeparam>
public sealed class SharedList<T> : ISharedObject, IAsyncEnumerable<T>
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
    /// a worker flushes before its target's end (or a chunk's result) reaches the driver. It comes after
    /// this process's earlier writes to other objects: if some are not yet acknowledged, it waits for them
    /// first (release order, as Python's proxies, whose every call waits for its reply).
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

    /// <summary>Reads element <paramref name="index"/>, as Python's <c>list[index]</c>, after this process's own appends are stored.</summary>
    /// <param name="index">From 0 to the count - 1, or from -count to -1 counting from the end (-1 is the last element).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The element.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the list (Python's <c>IndexError: list index out of range</c>).</exception>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public async Task<T> GetAsync(int index, CancellationToken cancellationToken = default) =>
        Decode((await EditAsync(ListEditKind.Get, index, null, cancellationToken).ConfigureAwait(false)).Value!);

    /// <summary>
    /// Replaces element <paramref name="index"/> with <paramref name="item"/>, as Python's
    /// <c>list[index] = item</c>, and waits until the driver has it. Sent once: if the driver does not
    /// answer in time, a <see cref="TimeoutException"/> says the write may or may not have been applied.
    /// </summary>
    /// <param name="index">From 0 to the count - 1, or from -count to -1 counting from the end.</param>
    /// <param name="item">The new element.</param>
    /// <param name="cancellationToken">Cancels the wait, not the write.</param>
    /// <returns>A task that completes when the element is stored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the list (Python's <c>IndexError: list assignment index out of range</c>); nothing changed.</exception>
    /// <exception cref="NotShippableException">The element cannot travel to another process.</exception>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public Task SetAsync(int index, T item, CancellationToken cancellationToken = default) =>
        EditAsync(ListEditKind.Set, index, Encode(item), cancellationToken);

    /// <summary>
    /// Removes element <paramref name="index"/> (the last one by default) and returns it, as Python's
    /// <c>list.pop(index=-1)</c>; the elements after it move down one place. Sent once (see <see cref="SetAsync"/>).
    /// </summary>
    /// <param name="index">From 0 to the count - 1, or from -count to -1 counting from the end; the default -1 is the last element.</param>
    /// <param name="cancellationToken">Cancels the wait, not the removal.</param>
    /// <returns>The element removed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The list is empty or <paramref name="index"/> is outside it (Python's <c>IndexError: pop from empty list</c> / <c>pop index out of range</c>); nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public async Task<T> PopAsync(int index = -1, CancellationToken cancellationToken = default) =>
        Decode((await EditAsync(ListEditKind.Pop, index, null, cancellationToken).ConfigureAwait(false)).Value!);

    /// <summary>
    /// Removes the first element equal to <paramref name="item"/>, as Python's <c>list.remove(item)</c>;
    /// the elements after it move down one place. Elements are compared by their encoded bytes (as
    /// <see cref="SharedDict{TKey, TValue}"/> compares keys): for numbers, strings and records of them
    /// that is equality of values. Sent once (see <see cref="SetAsync"/>).
    /// </summary>
    /// <param name="item">The element to remove.</param>
    /// <param name="cancellationToken">Cancels the wait, not the removal.</param>
    /// <returns>A task that completes when the element is removed.</returns>
    /// <exception cref="ArgumentException">No element equals <paramref name="item"/> (Python's <c>ValueError: list.remove(x): x not in list</c>); nothing changed.</exception>
    /// <exception cref="NotShippableException">The element cannot travel to another process.</exception>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public Task RemoveAsync(T item, CancellationToken cancellationToken = default) =>
        EditAsync(ListEditKind.Remove, 0, Encode(item), cancellationToken);

    /// <summary>
    /// Removes every element, as Python's <c>list.clear()</c>, after this process's own appends are
    /// stored (so they go too); appends other processes make afterwards stay. Sent once (see <see cref="SetAsync"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait, not the clearing.</param>
    /// <returns>A task that completes when the list is empty.</returns>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public Task ClearAsync(CancellationToken cancellationToken = default) =>
        EditAsync(ListEditKind.Clear, 0, null, cancellationToken);

    /// <summary>
    /// Iterates over the list by position, as Python's <c>for x in shared_list</c> does (a list proxy
    /// has no <c>__iter__</c>: Python reads <c>list[0]</c>, <c>list[1]</c>, ... until
    /// <c>IndexError</c>), but a page at a time: each round trip fetches as many elements from the
    /// current position as one message carries, after this process's own appends are stored. A change
    /// to a position already fetched is not seen (Python, reading one element per round trip, would
    /// see it); the iteration ends at the first position past the end when it gets there, so elements
    /// appended meanwhile are seen, and one removed before the current position makes the iteration
    /// skip the element that moved into its place. For one consistent copy, use <see cref="ToListAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the iteration.</param>
    /// <returns>The elements, in the list's order.</returns>
    /// <exception cref="ObjectDisposedException">The list's manager is disposed.</exception>
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        for (var position = 0; ; )
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var page = await _node.RequestAsync<ListPage>(_host, new ReadList(Name, position), cancellationToken).ConfigureAwait(false);
            if (page.Values.IsEmpty)
            {
                yield break;
            }
            foreach (var bytes in page.Values)
            {
                yield return Decode(bytes);
            }
            position = page.From + page.Values.Length;
        }
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

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedList<T>(SharedStateNode.For(host), host, name);

    private static T Decode(byte[] bytes) => (T)ValueCodec.Decode(bytes)!;

    /// <summary>One edit, after this process's own appends (program order); reads are retried, writes sent once.</summary>
    private async Task<ListEdited> EditAsync(ListEditKind kind, int index, byte[]? value, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var request = new EditList(Name, kind, index, value);
        var edited = kind == ListEditKind.Get
            ? await _node.RequestAsync<ListEdited>(_host, request, cancellationToken).ConfigureAwait(false)
            : await _node.RequestOnceAsync<ListEdited>(_host, request, cancellationToken).ConfigureAwait(false);
        return edited.Outcome switch
        {
            ListEditOutcome.Done => edited,
            ListEditOutcome.IndexOutOfRange => throw new ArgumentOutOfRangeException(nameof(index), index, edited.Count == 0
                ? $"Shared list '{Name}' is empty (Python's IndexError)."
                : $"Index {index} is outside shared list '{Name}' of {edited.Count} element{(edited.Count == 1 ? string.Empty : "s")} (Python's IndexError)."),
            ListEditOutcome.NotFound => throw new ArgumentException($"The value is not in shared list '{Name}' (Python's ValueError: list.remove(x): x not in list).", "item"),
            _ => throw new WireFormatException($"Unknown list edit outcome {edited.Outcome}."),
        };
    }

    private static byte[] Encode(T item) => ValueCodec.Encode(item, s_elementName);

    /// <summary>How errors name an element (made once: appends are a hot path).</summary>
    private static readonly string s_elementName = $"an element of SharedList<{Serialization.TypeNames.Readable(typeof(T))}>";
}
