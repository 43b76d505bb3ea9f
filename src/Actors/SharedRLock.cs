using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A re-entrant lock shared by the driver and its worker processes, as Python's
/// <c>multiprocessing.RLock</c> (made by <see cref="Manager.RLock"/>): its holder may acquire it again,
/// and must release it as many times. The holder is the flow of control that acquired it (a thread, or
/// an async flow across its awaits, as .NET's <c>AsyncLocal</c> flows) in its process. A lock held by
/// a process that dies (even by SIGKILL) is released.
/// </summary>
public sealed class SharedRLock : ISharedObject
{
    private readonly string _host;

    internal SharedRLock(SharedStateNode node, string host, string name)
        : this(node, host, name, SyncKind.RLock)
    {
    }

    private SharedRLock(SharedStateNode node, string host, string name, SyncKind kind)
    {
        _host = host;
        Name = name;
        Client = new SyncClient(node, host, name, kind, 0);
    }

    /// <summary>The lock's name, unique within its manager.</summary>
    public string Name { get; }

    internal SyncClient Client { get; }

    /// <summary>Acquires the lock, or again if this flow holds it (Python's <c>acquire(block=True, timeout)</c>); first come, first served.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) waits as long as it takes; <see cref="TimeSpan.Zero"/> does not wait.</param>
    /// <param name="cancellationToken">Cancels the wait (a grant at the same moment is kept: the result says so).</param>
    /// <returns><see langword="true"/> when held; <see langword="false"/> when the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The lock's manager is disposed, before or while this caller waits.</exception>
    public Task<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        AcquireAsync(Client, Client.FlowOwner(), timeout, cancellationToken);

    /// <summary>Releases one level of this flow's hold (Python's <c>release()</c>); the last frees the lock for the next waiter.</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the release.</param>
    /// <returns>A task that completes when released.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock (Python's <c>RuntimeError: cannot release un-acquired lock</c>).</exception>
    /// <exception cref="ObjectDisposedException">The lock's manager is disposed.</exception>
    public Task ReleaseAsync(CancellationToken cancellationToken = default) =>
        ReleaseAsync(Client, Name, Client.FlowOwner(), cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedRLock '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => SharedObjects.WriteHeader(writer, SharedObjects.RLockKind, _host, Name, typeof(object));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedRLock(SharedStateNode.For(host), host, name);

    internal static async Task<bool> AcquireAsync(SyncClient client, string owner, TimeSpan? timeout, CancellationToken cancellationToken) =>
        (await client.CallAsync(SyncOp.Acquire, owner, 0, timeout, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.Done;

    internal static async Task ReleaseAsync(SyncClient client, string name, string owner, CancellationToken cancellationToken)
    {
        if ((await client.CallAsync(SyncOp.Release, owner, 0, null, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.NotOwner)
        {
            throw new InvalidOperationException($"Lock '{name}' is not held by this flow of control (Python's RuntimeError: cannot release un-acquired lock).");
        }
    }
}
