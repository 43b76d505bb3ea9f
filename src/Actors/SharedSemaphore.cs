using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A counter shared by the driver and its worker processes, as Python's <c>multiprocessing.Semaphore</c>
/// and <c>BoundedSemaphore</c> (made by <see cref="Manager.Semaphore"/> and <see cref="Manager.BoundedSemaphore"/>):
/// <see cref="AcquireAsync"/> takes one, waiting while it is 0, <see cref="ReleaseAsync"/> gives back.
/// What a process acquired and had not released when it died (even by SIGKILL) is given back, so the
/// others do not wait forever.
/// </summary>
public sealed class SharedSemaphore : ISharedObject
{
    private readonly string _host;
    private readonly SyncClient _client;

    internal SharedSemaphore(SharedStateNode node, string host, string name, int initial, bool bounded)
    {
        _host = host;
        Name = name;
        InitialValue = initial;
        IsBounded = bounded;
        _client = new SyncClient(node, host, name, bounded ? SyncKind.BoundedSemaphore : SyncKind.Semaphore, initial);
    }

    /// <summary>The semaphore's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>The value it started with; a bounded semaphore's bound.</summary>
    public int InitialValue { get; }

    /// <summary>Whether releases beyond <see cref="InitialValue"/> fail (Python's <c>BoundedSemaphore</c>).</summary>
    public bool IsBounded { get; }

    /// <summary>Takes one, waiting while the value is 0 (Python's <c>acquire(block=True, timeout)</c>); first come, first served.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) waits as long as it takes; <see cref="TimeSpan.Zero"/> does not wait (Python's <c>acquire(False)</c>).</param>
    /// <param name="cancellationToken">Cancels the wait (an acquisition granted at the same moment is kept: the result says so).</param>
    /// <returns><see langword="true"/> when acquired; <see langword="false"/> when the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore's manager is disposed, before or while this caller waits.</exception>
    public async Task<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await _client.CallAsync(SyncOp.Acquire, _client.ProcessOwner, 0, timeout, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.Done;

    /// <summary>Gives back <paramref name="count"/> (Python's <c>release(n=1)</c>), waking as many waiters.</summary>
    /// <param name="count">How many; at least 1.</param>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the release.</param>
    /// <returns>A task that completes when released.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">A bounded semaphore would go above its <see cref="InitialValue"/> (Python's <c>ValueError: Semaphore released too many times</c>); nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore's manager is disposed.</exception>
    public async Task ReleaseAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var reply = await _client.CallAsync(SyncOp.Release, _client.ProcessOwner, count, null, cancellationToken).ConfigureAwait(false);
        if (reply.Outcome == SyncOutcome.TooManyReleases)
        {
            throw new InvalidOperationException($"Bounded semaphore '{Name}' released too many times: its value {reply.Value} + {count} would exceed its bound {InitialValue} (Python's ValueError).");
        }
    }

    /// <summary>The value now (Python's <c>get_value()</c>; a snapshot).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ObjectDisposedException">The semaphore's manager is disposed.</exception>
    public async Task<int> GetValueAsync(CancellationToken cancellationToken = default) =>
        (int)(await _client.CallAsync(SyncOp.Read, _client.ProcessOwner, 0, null, cancellationToken).ConfigureAwait(false)).Value;

    /// <inheritdoc />
    public override string ToString() => $"<SharedSemaphore '{Name}' initial={InitialValue}{(IsBounded ? " bounded" : "")}>";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, SharedObjects.SemaphoreKind, _host, Name, typeof(object));
        writer.WriteInt32(InitialValue);
        writer.WriteBool(IsBounded);
    }

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedSemaphore(SharedStateNode.For(host), host, name, reader.ReadInt32(), reader.ReadBool());
}
