using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A lock shared by the driver and its worker processes, as Python's <c>Manager().Lock()</c> or
/// <c>value.get_lock()</c>: at most one holder at a time across all processes, granted first come,
/// first served. A lock held by a process that dies (even by SIGKILL) is released, so the others do
/// not wait forever. Use it for read-modify-write on shared objects:
/// <code>await using (await lockHandle.AcquireAsync()) { var v = await value.GetAsync(); await value.SetAsync(v * 2); }</code>
/// </summary>
public sealed class SharedLock : ISharedObject
{
    private readonly SharedStateNode _node;
    private readonly string _host;

    internal SharedLock(SharedStateNode node, string host, string name)
    {
        _node = node;
        _host = host;
        Name = name;
    }

    /// <summary>The lock's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>Waits until this caller holds the lock; dispose the result to release it.</summary>
    /// <param name="cancellationToken">Cancels the wait; a grant that arrives anyway is released.</param>
    /// <returns>The hold; disposing it releases the lock (nothing to release once the lock's manager is disposed: the lock went with it).</returns>
    /// <exception cref="ObjectDisposedException">The lock's manager is disposed, before or while this caller waits.</exception>
    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken = default)
    {
        var requestId = _node.NextOperation();
        var grant = _node.AskAsync(_host, new AcquireLock(Name, _node.WriterId, requestId, _node.Address), Timeout.InfiniteTimeSpan, CancellationToken.None);
        try
        {
            await grant.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A grant that arrives after the caller gave up is released at once.
            _ = grant.ContinueWith(_ => ReleaseAsync(requestId), TaskScheduler.Default);
            throw;
        }
        return new Hold(this, requestId);
    }

    /// <inheritdoc />
    public override string ToString() => $"<SharedLock '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => SharedObjects.WriteHeader(writer, SharedObjects.LockKind, _host, Name, typeof(object));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedLock(SharedStateNode.For(host), host, name);

    private Task ReleaseAsync(long requestId) =>
        _node.RequestAsync<LockReleased>(_host, new ReleaseLock(Name, _node.WriterId, requestId), CancellationToken.None);

    private sealed class Hold(SharedLock owner, long requestId) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                try
                {
                    await owner.ReleaseAsync(requestId).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // The manager is disposed: the lock went with it, there is nothing left to release.
                }
            }
        }
    }
}
