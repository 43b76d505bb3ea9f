using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// A meeting point for a fixed number of parties across processes, as Python's
/// <c>multiprocessing.Barrier(parties, action, timeout)</c> (made by <see cref="Manager.Barrier"/>): each
/// <see cref="WaitAsync"/> returns once <see cref="Parties"/> waits have arrived, then the barrier is
/// ready for the next round. It breaks (every wait throws <see cref="BrokenBarrierException"/> until
/// <see cref="ResetAsync"/>) when a wait times out, a waiting party's process dies (even by SIGKILL),
/// it is aborted, or its action throws.
/// </summary>
/// <remarks>
/// The action, if the barrier has one, runs once per round, in the process of the party that arrived
/// last, before any party of the round returns (CPython's <c>threading.Barrier._release</c>): the
/// driver keeps the other parties parked until that party says the action returned. If it throws,
/// that party's <see cref="WaitAsync"/> throws the action's exception and every other party's
/// <see cref="BrokenBarrierException"/>; if that party's process dies while the action runs (even by
/// SIGKILL), or a parked party's wait times out meanwhile, the barrier breaks. The action travels with
/// the handle (as a process target does), so every process that waits at the barrier can run it.
/// </remarks>
public sealed class SharedBarrier : ISharedObject
{
    private readonly string _host;
    private readonly SyncClient _client;
    private readonly Action? _action;

    internal SharedBarrier(SharedStateNode node, string host, string name, int parties, TimeSpan? timeout, Action? action)
    {
        _host = host;
        Name = name;
        Parties = parties;
        Timeout = timeout;
        _action = action;
        _client = new SyncClient(node, host, name, SyncKind.Barrier, parties);
    }

    /// <summary>The barrier's name, unique within its manager.</summary>
    public string Name { get; }

    /// <summary>How many waits each round needs (Python's <c>parties</c>).</summary>
    public int Parties { get; }

    /// <summary>The default timeout of <see cref="WaitAsync"/> (Python's <c>timeout</c>); <see langword="null"/> for none.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Waits until every party has arrived, and the action (if any) has run (Python's <c>wait(timeout)</c>).</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> (the default) uses <see cref="Timeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait, which breaks the barrier (as a timeout does); an action already running in this party runs to its end.</param>
    /// <returns>This party's arrival index in the round, from 0 to <see cref="Parties"/> - 1 (Python returns a distinct index per party too); the party that ran the action gets <see cref="Parties"/> - 1.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken: a wait timed out, a waiting party's process died, it was aborted or reset, or the action threw in (or its process died in) another party.</exception>
    /// <exception cref="Exception">This party arrived last, ran the action, and the action threw: that exception, as thrown (the barrier is broken).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The barrier's manager is disposed.</exception>
    public async Task<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var arg = _action is null ? 0 : SyncArgs.WithAction;
        var reply = await _client.CallAsync(SyncOp.Wait, _client.FlowOwner(), arg, timeout ?? Timeout, cancellationToken).ConfigureAwait(false);
        if (reply.Outcome == SyncOutcome.RunAction)
        {
            reply = await RunActionAsync(reply.Value).ConfigureAwait(false);
        }
        return reply.Outcome == SyncOutcome.Done
            ? (int)reply.Value
            : throw new BrokenBarrierException($"Barrier '{Name}' ({Parties} parties) is broken: {BarrierBreaks.Describe(reply.Value)} (Python's BrokenBarrierError).");
    }

    /// <summary>Breaks the barrier (Python's <c>abort()</c>): current and later waits throw until <see cref="ResetAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer.</param>
    /// <returns>A task that completes when the barrier is broken.</returns>
    /// <exception cref="ObjectDisposedException">The barrier's manager is disposed.</exception>
    public Task AbortAsync(CancellationToken cancellationToken = default) =>
        _client.CallAsync(SyncOp.Abort, _client.ProcessOwner, 0, null, cancellationToken);

    /// <summary>Returns the barrier to its start (Python's <c>reset()</c>): current waits throw <see cref="BrokenBarrierException"/>, later ones work.</summary>
    /// <param name="cancellationToken">Cancels the wait for the driver's answer.</param>
    /// <returns>A task that completes when the barrier is reset.</returns>
    /// <exception cref="ObjectDisposedException">The barrier's manager is disposed.</exception>
    public Task ResetAsync(CancellationToken cancellationToken = default) =>
        _client.CallAsync(SyncOp.Reset, _client.ProcessOwner, 0, null, cancellationToken);

    /// <summary>Whether the barrier is broken (Python's <c>broken</c>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when broken.</returns>
    /// <exception cref="ObjectDisposedException">The barrier's manager is disposed.</exception>
    public async Task<bool> IsBrokenAsync(CancellationToken cancellationToken = default) =>
        (await _client.CallAsync(SyncOp.Read, _client.ProcessOwner, 0, null, cancellationToken).ConfigureAwait(false)).Outcome == SyncOutcome.Broken;

    /// <summary>How many parties wait now (Python's <c>n_waiting</c>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ObjectDisposedException">The barrier's manager is disposed.</exception>
    public async Task<int> WaitingCountAsync(CancellationToken cancellationToken = default) =>
        (int)(await _client.CallAsync(SyncOp.Read, _client.ProcessOwner, 0, null, cancellationToken).ConfigureAwait(false)).Value;

    /// <inheritdoc />
    public override string ToString() => $"<SharedBarrier '{Name}' parties={Parties}>";

    /// <summary>Runs the action of round <paramref name="round"/> here, this party having arrived last, and tells the driver how it went; the driver's answer.</summary>
    private async Task<SyncReply> RunActionAsync(long round)
    {
        try
        {
            _action!();
        }
        catch (Exception)
        {
            await _client.CallAsync(SyncOp.ActionFailed, _client.ProcessOwner, round, null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return await _client.CallAsync(SyncOp.ActionDone, _client.ProcessOwner, round, null, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>What errors call the action: "the action of barrier 'NAME'".</summary>
    internal static string DescribeAction(string? name) => name is null ? "the action of a new barrier" : $"the action of barrier '{name}'";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, SharedObjects.BarrierKind, _host, Name, typeof(object));
        writer.WriteInt32(Parties);
        writer.WriteInt64(Timeout is { } limit ? limit.Ticks : -1);
        ValueCodec.Write(writer, _action, DescribeAction(Name));
    }

    internal static object ReadHandle(WireReader reader, string host, string name)
    {
        var parties = reader.ReadInt32();
        var ticks = reader.ReadInt64();
        var action = ValueCodec.Read(reader);
        return new SharedBarrier(SharedStateNode.For(host), host, name, parties, ticks < 0 ? null : TimeSpan.FromTicks(ticks),
            action is null ? null : action as Action ?? throw new WireFormatException($"Barrier '{name}': its action arrived as {action.GetType().Name}, not an Action."));
    }
}
