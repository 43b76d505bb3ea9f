using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// An unbounded first-in, first-out queue with only the essentials, as Python's
/// <c>multiprocessing.SimpleQueue</c> (made by <see cref="Manager.SimpleQueue{T}"/>): <see cref="Put"/>,
/// <see cref="GetAsync"/>, <see cref="IsEmptyAsync"/>, <see cref="Close"/>. It has the delivery
/// guarantees of <see cref="SharedQueue{T}"/>.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class SharedSimpleQueue<T> : ISharedObject
{
    private readonly SharedQueue<T> _queue;

    internal SharedSimpleQueue(SharedStateNode node, string host, string name) =>
        _queue = new SharedQueue<T>(node, host, name, 0, SharedObjects.SimpleQueueKind);

    /// <summary>The queue's name, unique within its manager.</summary>
    public string Name => _queue.Name;

    /// <summary>Puts <paramref name="item"/> (Python's <c>put(item)</c>); returns at once, and the item is stored before this process reports back to its driver.</summary>
    /// <param name="item">The item.</param>
    /// <exception cref="NotShippableException">The item cannot travel to another process.</exception>
    /// <exception cref="InvalidOperationException">This handle was closed.</exception>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public void Put(T item) => _queue.Put(item);

    /// <summary>Removes and returns the first item, waiting as long as it takes (Python's <c>get()</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public Task<T> GetAsync(CancellationToken cancellationToken = default) => _queue.GetAsync(null, cancellationToken);

    /// <summary>Whether the queue is empty now (Python's <c>empty()</c>; a snapshot).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when it holds no item.</returns>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    public Task<bool> IsEmptyAsync(CancellationToken cancellationToken = default) => _queue.IsEmptyAsync(cancellationToken);

    /// <summary>Says this handle will put no more items (Python's <c>close()</c>): later puts through it throw.</summary>
    public void Close() => _queue.Close();

    /// <inheritdoc />
    public override string ToString() => $"<SharedSimpleQueue '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => ((ISharedObject)_queue).WriteHandle(writer);

    internal static object ReadHandle(WireReader reader, string host, string name)
    {
        _ = reader.ReadInt32();
        return new SharedSimpleQueue<T>(SharedStateNode.For(host), host, name);
    }
}
