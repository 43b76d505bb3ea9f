using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// A synchronization primitive handle's requests to the driver's host (through this process's
/// shared-state channel): one <see cref="SyncRequest"/> per call, answered when it is done; a cancelled
/// wait is ended at the host, and an acquisition granted anyway is released.
/// </summary>
internal sealed class SyncClient(SharedStateNode node, string host, string name, SyncKind kind, long init)
{
    /// <summary>The flow of control (thread or async flow) a lock is held by, as Python's RLock is held by a thread.</summary>
    private static readonly AsyncLocal<string?> Flow = new();

    private static long s_lastFlow;

    /// <summary>This process.</summary>
    public string ProcessOwner => node.WriterId;

    /// <summary>
    /// This process and the current flow of control: called from a method that is not <c>async</c>, so
    /// that the flow's name stays with the caller for its next calls.
    /// </summary>
    public string FlowOwner() => $"{node.WriterId}:{Flow.Value ??= Interlocked.Increment(ref s_lastFlow).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>One operation; its reply. A timeout of <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the operation waited.</exception>
    public async Task<SyncReply> CallAsync(SyncOp op, string owner, long arg, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var milliseconds = Milliseconds(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        var id = node.NextOperation();
        var reply = node.AskAsync(host, Request(op, owner, id, arg, milliseconds), Timeout.InfiniteTimeSpan, CancellationToken.None);
        if (!cancellationToken.CanBeCanceled || reply.IsCompleted)
        {
            return (SyncReply)await reply.ConfigureAwait(false);
        }
        SyncReply answer;
        using (cancellationToken.Register(() => node.Ask(host, Request(SyncOp.Cancel, owner, node.NextOperation(), id, 0), Timeout.InfiniteTimeSpan, static (_, _) => { })))
        {
            answer = (SyncReply)await reply.ConfigureAwait(false);
        }
        // A barrier party told to run the action must run it and report, or the round would hang.
        if (cancellationToken.IsCancellationRequested && answer.Outcome is not (SyncOutcome.Done or SyncOutcome.RunAction))
        {
            throw new OperationCanceledException(cancellationToken);
        }
        return answer;
    }

    private SyncRequest Request(SyncOp op, string owner, long id, long arg, long milliseconds) =>
        new(name, kind, op, owner, id, node.Address, init, arg, milliseconds);

    private static long Milliseconds(TimeSpan? timeout) => Configuration.Timeouts.WaitMilliseconds(timeout, nameof(timeout));
}
