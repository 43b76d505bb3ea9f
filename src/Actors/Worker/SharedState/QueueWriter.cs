using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// Sends this process's puts to one queue, and its <c>TaskDone</c> calls, to the driver's store. One
/// batch is in flight at a time; puts made meanwhile go together in the next (split so each fits a
/// message), so a fast producer pays one round trip per batch, not per item. Batches are numbered per
/// writer and the store applies each once, so a resent batch never doubles an item. On a bounded queue
/// the store answers a batch only once every item is in, so it is never sent again (no resend timeout).
/// </summary>
internal sealed class QueueWriter(SharedStateNode node, string hostPath, string queue, bool bounded) : HostWriter(node, hostPath, queue)
{
    private readonly ValueBatches _waiting = new(node.MaxPayloadBytes);
    private long _inFlightSeq;
    private long _lastSeq;

    protected override string Kind => "queue";

    protected override TimeSpan RequestTimeout => bounded ? Timeout.InfiniteTimeSpan : base.RequestTimeout;

    protected override bool OrdersLaterOperations => !bounded;

    /// <summary>Puts one encoded item; <paramref name="ack"/>, if any, completes once the store has it.</summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is known to be disposed.</exception>
    public void Put(byte[] value, TaskCompletionSource? ack)
    {
        AfterEarlierWrites();
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            MarkBusy();
            _waiting.Last().Add(value, ack);
        }
        Pump();
    }

    /// <summary>Throws when the queue's manager is known to be disposed.</summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is known to be disposed.</exception>
    public void ThrowIfDisposed()
    {
        lock (Gate)
        {
            ThrowIfManagerDisposed();
        }
    }

    /// <summary>Counts one <c>TaskDone</c> of this process, sent with the next batch.</summary>
    public void TaskDone()
    {
        AfterEarlierWrites();
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            MarkBusy();
            _waiting.Last().TaskDone++;
        }
        Pump();
    }

    protected override (object Request, Waiters Waiters)? TakeNext()
    {
        if (_waiting.TakeNext() is not { } next)
        {
            return null;
        }
        _inFlightSeq = ++_lastSeq;
        return (new QueuePut(Name, Node.WriterId, _inFlightSeq, [.. next.Values], next.TaskDone), next.Waiters);
    }

    protected override bool Acknowledges(object reply) =>
        reply is QueuePutDone done && done.Seq == _inFlightSeq;

    protected override bool FailWaiting(Exception error) => _waiting.FailWaiting(error);

    protected override void AddFlusher(TaskCompletionSource flusher, bool settledOnly) => _waiting.Last().Waiters.Add(flusher, settledOnly);
}
