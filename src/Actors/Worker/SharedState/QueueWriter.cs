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
    private readonly Queue<Batch> _waiting = new([new Batch()]);
    private long _inFlightSeq;
    private long _lastSeq;

    protected override string Kind => "queue";

    protected override TimeSpan RequestTimeout => bounded ? Timeout.InfiniteTimeSpan : base.RequestTimeout;

    /// <summary>Puts one encoded item; <paramref name="ack"/>, if any, completes once the store has it.</summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is known to be disposed.</exception>
    public void Put(byte[] value, TaskCompletionSource? ack)
    {
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            var last = Last();
            last.Values.Add(value);
            last.Bytes += value.Length + 8;
            if (ack is not null)
            {
                last.Waiters.Add(ack);
            }
        }
        Pump();
    }

    /// <summary>Counts one <c>TaskDone</c> of this process, sent with the next batch.</summary>
    public void TaskDone()
    {
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            Last().TaskDone++;
        }
        Pump();
    }

    protected override (object Request, Waiters Waiters)? TakeNext()
    {
        while (true)
        {
            var next = _waiting.Dequeue();
            if (_waiting.Count == 0)
            {
                _waiting.Enqueue(new Batch());
            }
            if (next.Values.Count > 0 || next.TaskDone > 0)
            {
                _inFlightSeq = ++_lastSeq;
                return (new QueuePut(Name, Node.WriterId, _inFlightSeq, [.. next.Values], next.TaskDone), next.Waiters);
            }
            next.Waiters.Complete();
            if (_waiting.Count == 1 && _waiting.Peek().IsEmpty)
            {
                return null;
            }
        }
    }

    protected override bool Acknowledges(object reply) =>
        reply is QueuePutDone done && done.Seq == _inFlightSeq;

    protected override bool FailWaiting(Exception error)
    {
        var any = false;
        foreach (var batch in _waiting)
        {
            any |= batch.Waiters.Fail(error);
        }
        return any;
    }

    protected override void AddFlusher(TaskCompletionSource flusher) => Last().Waiters.Add(flusher);

    private Batch Last()
    {
        var last = _waiting.Last();
        if (last.Bytes >= Node.MaxPayloadBytes)
        {
            last = new Batch();
            _waiting.Enqueue(last);
        }
        return last;
    }

    private sealed class Batch
    {
        public List<byte[]> Values { get; } = [];

        public Waiters Waiters { get; } = new();

        public long Bytes { get; set; }

        public int TaskDone { get; set; }

        public bool IsEmpty => Values.Count == 0 && TaskDone == 0 && Waiters.IsEmpty;
    }
}
