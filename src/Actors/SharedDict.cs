using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A dictionary shared by the driver and its worker processes, as Python's <c>Manager().dict()</c>.
/// Each write is applied once, in the order it reaches the driver (the last write to a key wins), and
/// acknowledged before <see cref="SetAsync"/> returns; reads see every acknowledged write.
/// Enumeration is in first-insertion order.
/// </summary>
/// <typeparam name="TKey">The key type; keys are compared by their encoded bytes.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class SharedDict<TKey, TValue> : ISharedObject
    where TKey : notnull
{
    private readonly SharedStateNode _node;
    private readonly string _host;

    internal SharedDict(SharedStateNode node, string host, string name)
    {
        _node = node;
        _host = host;
        Name = name;
    }

    /// <summary>The dict's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> and waits until the driver has it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the entry is stored.</returns>
    public Task SetAsync(TKey key, TValue value, CancellationToken cancellationToken = default) =>
        _node.RequestOnceAsync<DictWritten>(_host, new WriteDict(Name, EncodeKey(key), ValueCodec.Encode(value, $"a value of SharedDict '{Name}'")), cancellationToken);

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the key was there.</returns>
    public async Task<bool> RemoveAsync(TKey key, CancellationToken cancellationToken = default) =>
        (await _node.RequestOnceAsync<DictWritten>(_host, new WriteDict(Name, EncodeKey(key), null), cancellationToken).ConfigureAwait(false)).Existed;

    /// <summary>Reads one entry.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether the key is there, and its value.</returns>
    public async Task<(bool Found, TValue? Value)> TryGetAsync(TKey key, CancellationToken cancellationToken = default)
    {
        var page = await _node.RequestAsync<DictPage>(_host, new ReadDict(Name, 0, EncodeKey(key)), cancellationToken).ConfigureAwait(false);
        return page.Values.IsEmpty ? (false, default) : (true, (TValue?)ValueCodec.Decode(page.Values[0]));
    }

    /// <summary>Reads every entry.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, in first-insertion order.</returns>
    public async Task<IReadOnlyDictionary<TKey, TValue>> ToDictionaryAsync(CancellationToken cancellationToken = default)
    {
        var entries = new Dictionary<TKey, TValue>();
        while (true)
        {
            var page = await _node.RequestAsync<DictPage>(_host, new ReadDict(Name, entries.Count, null), cancellationToken).ConfigureAwait(false);
            for (var index = 0; index < page.Keys.Length; index++)
            {
                entries[(TKey)ValueCodec.Decode(page.Keys[index])!] = (TValue)ValueCodec.Decode(page.Values[index])!;
            }
            if (page.Keys.IsEmpty || entries.Count >= page.Total)
            {
                return entries;
            }
        }
    }

    /// <summary>The number of entries.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default) =>
        (await _node.RequestAsync<DictPage>(_host, new ReadDict(Name, int.MaxValue, null), cancellationToken).ConfigureAwait(false)).Total;

    /// <summary>Deletes the dict's data.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the data is deleted.</returns>
    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        _node.RequestAsync<SharedDeleted>(_host, new DeleteShared(Name), cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedDict '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) =>
        SharedObjects.WriteHeader(writer, SharedObjects.DictKind, _host, Name, typeof(KeyValuePair<TKey, TValue>));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedDict<TKey, TValue>(SharedStateNode.For(host), host, name);

    private byte[] EncodeKey(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ValueCodec.Encode(key, $"a key of SharedDict '{Name}'");
    }
}
