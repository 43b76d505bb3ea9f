using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// Named values shared by the driver and its worker processes, as Python's <c>manager.Namespace()</c>
/// (whose attributes <c>ns.x = 1</c>, <c>ns.x</c>, <c>del ns.x</c> become <see cref="SetAsync{T}"/>,
/// <see cref="GetAsync{T}"/>, <see cref="RemoveAsync"/>). Each value may be of any type that can travel
/// between processes, and each name's value of its own type. Built on a <see cref="SharedDict{TKey, TValue}"/>
/// with the same guarantees: each write is applied once, in the order it reaches the driver (the last
/// write to a name wins), and acknowledged before it returns; reads see every acknowledged write.
/// </summary>
public sealed class SharedNamespace : ISharedObject
{
    private readonly SharedDict<string, object?> _attributes;
    private readonly string _host;

    internal SharedNamespace(SharedStateNode node, string host, string name)
    {
        _attributes = new SharedDict<string, object?>(node, host, name);
        _host = host;
    }

    /// <summary>The namespace's name, unique within its manager.</summary>
    public string Name => _attributes.Name;

    /// <summary>Sets attribute <paramref name="name"/> to <paramref name="value"/> (Python's <c>ns.name = value</c>) and waits until the driver has it.</summary>
    /// <typeparam name="T">The value's type; read it back with the same type (or a base of it).</typeparam>
    /// <param name="name">The attribute's name; not empty.</param>
    /// <param name="value">The value; <see langword="null"/> is a value too.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the attribute is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="NotShippableException">The value cannot travel to another process.</exception>
    /// <exception cref="ObjectDisposedException">The namespace's manager is disposed.</exception>
    public Task SetAsync<T>(string name, T value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _attributes.SetAsync(name, value, cancellationToken);
    }

    /// <summary>Reads attribute <paramref name="name"/> (Python's <c>ns.name</c>).</summary>
    /// <typeparam name="T">The type it was set with, or a base of it.</typeparam>
    /// <param name="name">The attribute's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">No attribute of that name (Python's <c>AttributeError</c>).</exception>
    /// <exception cref="InvalidCastException">The attribute holds a value of another type.</exception>
    /// <exception cref="ObjectDisposedException">The namespace's manager is disposed.</exception>
    public async Task<T> GetAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        var (found, value) = await TryGetAsync<T>(name, cancellationToken).ConfigureAwait(false);
        return found ? value! : throw new KeyNotFoundException($"Namespace '{Name}' has no attribute '{name}' (Python's AttributeError).");
    }

    /// <summary>Reads attribute <paramref name="name"/> if it is there (Python's <c>getattr(ns, name, default)</c> / <c>hasattr</c>).</summary>
    /// <typeparam name="T">The type it was set with, or a base of it.</typeparam>
    /// <param name="name">The attribute's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether the attribute is there, and its value.</returns>
    /// <exception cref="InvalidCastException">The attribute holds a value of another type.</exception>
    /// <exception cref="ObjectDisposedException">The namespace's manager is disposed.</exception>
    public async Task<(bool Found, T? Value)> TryGetAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (found, value) = await _attributes.TryGetAsync(name, cancellationToken).ConfigureAwait(false);
        if (!found)
        {
            return (false, default);
        }
        if (value is T typed)
        {
            return (true, typed);
        }
        if (value is null && default(T) is null)
        {
            return (true, default);
        }
        throw new InvalidCastException($"Attribute '{name}' of namespace '{Name}' holds {(value is null ? "null" : Serialization.TypeNames.WithArticle(Serialization.TypeNames.Readable(value.GetType())))}, not {Serialization.TypeNames.WithArticle(Serialization.TypeNames.Readable(typeof(T)))}.");
    }

    /// <summary>Removes attribute <paramref name="name"/> (Python's <c>del ns.name</c>, which raises <c>AttributeError</c> where this returns <see langword="false"/>).</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the attribute was there.</returns>
    /// <exception cref="ObjectDisposedException">The namespace's manager is disposed.</exception>
    public Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _attributes.RemoveAsync(name, cancellationToken);
    }

    /// <summary>Reads every attribute (Python's <c>vars(ns)</c>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The attributes, in the order they were first set.</returns>
    /// <exception cref="ObjectDisposedException">The namespace's manager is disposed.</exception>
    public Task<IReadOnlyDictionary<string, object?>> ToDictionaryAsync(CancellationToken cancellationToken = default) =>
        _attributes.ToDictionaryAsync(cancellationToken);

    /// <summary>Deletes the namespace's data.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the data is deleted.</returns>
    public Task DeleteAsync(CancellationToken cancellationToken = default) => _attributes.DeleteAsync(cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedNamespace '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) =>
        SharedObjects.WriteHeader(writer, SharedObjects.NamespaceKind, _host, Name, typeof(object));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedNamespace(SharedStateNode.For(host), host, name);
}
