using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A flag shared by the driver and its worker processes, as Python's <c>multiprocessing.Event</c> (made
/// by <see cref="Manager.Event"/>): processes wait until one sets it. It starts clear.
/// </summary>
public sealed class SharedEvent : ISharedObject
{
    private readonly string _host;
    private readonly SyncClient _client;

    internal SharedEvent(SharedStateNode node, string host, string name)
    {
        _host = host;
        Name = name;
        _client = new SyncClient(node, host, name, SyncKind.Event, 0);
    }

    /// <summary>The event's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>Sets the flag and wakes every waiter (Python's <c>set()</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the set.</param>
    /// <returns>A task that completes when the flag is set.</returns>
    /// <exception cref="ObjectDisposedException">The event's manager is disposed.</exception>
    public Task SetAsync(CancellationToken cancellationToken = default) =>
        _client.CallAsync(SyncOp.Set, _client.ProcessOwner, 0, null, cancellationToken);

    /// <summary>Clears the flag (Python's <c>clear()</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the clear.</param>
    /// <returns>A task that completes when the flag is clear.</returns>
    /// <exception cref="ObjectDisposedException">The event's manager is disposed.</exception>
    public Task ClearAsync(CancellationToken cancellationToken = default) =>
        _client.CallAsync(SyncOp.Clear, _client.ProcessOwner, 0, null, cancellationToken);

    /// <summary>Whether the flag is set now (Python's <c>is_set()</c>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when set.</returns>
    /// <exception cref="ObjectDisposedException">The event's manager is disposed.</exception>
    public async Task<bool> IsSetAsync(CancellationToken cancellationToken = default) =>
        (await _client.CallAsync(SyncOp.Read, _client.ProcessOwner, 0, null, cancellationToken).ConfigureAwait(false)).Value == 1;

    /// <summary>Waits until the flag is set (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when the flag is set; <see langword="false"/> when the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The event's manager is disposed, before or while this caller waits.</exception>
    public async Task<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await _client.CallAsync(SyncOp.Wait, _client.ProcessOwner, 0, timeout, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.Done;

    /// <inheritdoc />
    public override string ToString() => $"<SharedEvent '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => SharedObjects.WriteHeader(writer, SharedObjects.EventKind, _host, Name, typeof(object));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedEvent(SharedStateNode.For(host), host, name);
}
