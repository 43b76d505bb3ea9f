using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A condition variable shared by the driver and its worker processes, as Python's
/// <c>multiprocessing.Condition</c> (made by <see cref="Manager.Condition"/>), with its own re-entrant
/// lock (held, as <see cref="SharedRLock"/>'s, by a flow of control): acquire it, then
/// <see cref="WaitAsync"/> releases it while waiting for a <see cref="NotifyAsync"/> and takes it back
/// before returning. A holder or waiter whose process dies (even by SIGKILL) lets the lock go.
/// </summary>
public sealed class SharedCondition : ISharedObject
{
    private readonly string _host;
    private readonly SyncClient _client;

    internal SharedCondition(SharedStateNode node, string host, string name)
    {
        _host = host;
        Name = name;
        _client = new SyncClient(node, host, name, SyncKind.Condition, 0);
    }

    /// <summary>The condition's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>Acquires the condition's lock (Python's <c>acquire()</c>); re-entrant for this flow.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when held; <see langword="false"/> when the time ran out first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SharedRLock.AcquireAsync(_client, _client.FlowOwner(), timeout, cancellationToken);

    /// <summary>Releases one level of this flow's hold on the lock (Python's <c>release()</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the release.</param>
    /// <returns>A task that completes when released.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task ReleaseAsync(CancellationToken cancellationToken = default) =>
        SharedRLock.ReleaseAsync(_client, Name, _client.FlowOwner(), cancellationToken);

    /// <summary>
    /// Releases the lock (all levels), waits for a notify or the timeout, then takes the lock back at the
    /// same level before returning (Python's <c>wait(timeout)</c>).
    /// </summary>
    /// <param name="timeout">How long to wait for a notify; <see langword="null"/> (the default) waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait for a notify; the lock is taken back before the <see cref="OperationCanceledException"/>.</param>
    /// <returns><see langword="true"/> when notified; <see langword="false"/> when the time ran out.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock (Python's <c>RuntimeError: cannot wait on un-acquired lock</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitAsOwnerAsync(_client.FlowOwner(), timeout, cancellationToken);

    /// <summary>
    /// Waits until <paramref name="predicate"/> is true, waiting for notifies in between (Python's
    /// <c>wait_for(predicate, timeout)</c>); called with the lock held, and returns with it held.
    /// </summary>
    /// <param name="predicate">The condition, evaluated with the lock held.</param>
    /// <param name="timeout">How long to wait in all; <see langword="null"/> (the default) waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The predicate's last value: <see langword="false"/> when the time ran out first.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task<bool> WaitForAsync(Func<Task<bool>> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return WaitForAsync(_client.FlowOwner(), predicate, timeout, cancellationToken);
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters (Python's <c>notify(n=1)</c>); they run once this flow releases the lock.</summary>
    /// <param name="count">How many; at least 1.</param>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the notify.</param>
    /// <returns>A task that completes when they are woken.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock (Python's <c>RuntimeError: cannot notify on un-acquired lock</c>).</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task NotifyAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return NotifyAsOwnerAsync(_client.FlowOwner(), count, cancellationToken);
    }

    /// <summary>Wakes every waiter (Python's <c>notify_all()</c>).</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer, not the notify.</param>
    /// <returns>A task that completes when they are woken.</returns>
    /// <exception cref="InvalidOperationException">This flow does not hold the lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition's manager is disposed.</exception>
    public Task NotifyAllAsync(CancellationToken cancellationToken = default) =>
        NotifyAsOwnerAsync(_client.FlowOwner(), -1, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"<SharedCondition '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer) => SharedObjects.WriteHeader(writer, SharedObjects.ConditionKind, _host, Name, typeof(object));

    internal static object ReadHandle(WireReader reader, string host, string name) => new SharedCondition(SharedStateNode.For(host), host, name);

    private async Task<bool> WaitAsOwnerAsync(string owner, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var reply = await _client.CallAsync(SyncOp.Wait, owner, 0, timeout, cancellationToken).ConfigureAwait(false);
        return reply.Outcome switch
        {
            SyncOutcome.NotOwner => throw new InvalidOperationException($"Condition '{Name}': this flow of control does not hold its lock (Python's RuntimeError: cannot wait on un-acquired lock)."),
            _ => reply.Value == 1,
        };
    }

    private async Task<bool> WaitForAsync(string owner, Func<Task<bool>> predicate, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = Configuration.Timeouts.WaitLimit(timeout, nameof(timeout)) is { } limit ? DateTime.UtcNow + limit : (DateTime?)null;
        while (!await predicate().ConfigureAwait(false))
        {
            var left = deadline is { } end ? end - DateTime.UtcNow : (TimeSpan?)null;
            if (left is { } remaining && remaining <= TimeSpan.Zero)
            {
                return false;
            }
            await WaitAsOwnerAsync(owner, left, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    private async Task NotifyAsOwnerAsync(string owner, int count, CancellationToken cancellationToken)
    {
        if ((await _client.CallAsync(SyncOp.Notify, owner, count, null, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.NotOwner)
        {
            throw new InvalidOperationException($"Condition '{Name}': this flow of control does not hold its lock (Python's RuntimeError: cannot notify on un-acquired lock).");
        }
    }
}
