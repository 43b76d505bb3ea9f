using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A fixed-length array shared by the driver and its worker processes, as Python's <c>Array('i', n)</c>.
/// An index outside 0..<see cref="Length"/>-1 throws <see cref="ArgumentOutOfRangeException"/> in the
/// caller, before anything is sent. Each write is acknowledged before <see cref="SetAsync"/> returns.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class SharedArray<T> : ISharedObject
{
    private readonly SharedDict<int, T> _cells;
    private readonly string _host;

    internal SharedArray(SharedStateNode node, string host, string name, int length)
    {
        _cells = new SharedDict<int, T>(node, host, name);
        _host = host;
        Length = length;
    }

    /// <summary>The array's name, unique within its manager.</summary>
    public string Name => _cells.Name;

    /// <summary>The number of elements, fixed at creation.</summary>
    public int Length { get; }

    /// <summary>Sets element <paramref name="index"/>.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the element is stored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public Task SetAsync(int index, T value, CancellationToken cancellationToken = default) =>
        _cells.SetAsync(Check(index), value, cancellationToken);

    /// <summary>Reads element <paramref name="index"/>; an element never set reads as <c>default</c>.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The element.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public async Task<T?> GetAsync(int index, CancellationToken cancellationToken = default) =>
        (await _cells.TryGetAsync(Check(index), cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Reads the whole array.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The elements; those never set are <c>default</c>.</returns>
    public async Task<T?[]> ToArrayAsync(CancellationToken cancellationToken = default)
    {
        var array = new T?[Length];
        foreach (var (index, value) in await _cells.ToDictionaryAsync(cancellationToken).ConfigureAwait(false))
        {
            array[index] = value;
        }
        return array;
    }

    /// <summary>Deletes the array's data.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the data is deleted.</returns>
    public Task DeleteAsync(CancellationToken cancellationToken = default) => _cells.DeleteAsync(cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedArray '{Name}' length={Length}>";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, SharedObjects.ArrayKind, _host, Name, typeof(T));
        writer.WriteInt32(Length);
    }

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedArray<T>(SharedStateNode.For(host), host, name, reader.ReadInt32());

    private int Check(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
        return index;
    }
}
