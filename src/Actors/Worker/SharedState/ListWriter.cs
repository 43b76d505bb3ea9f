using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// Sends this process's appends to one shared list to the host. One batch is in flight at a time;
/// appends made meanwhile go together in the next one (split so each fits a message), so a fast
/// writer pays one round trip per batch, not per append. Appends are numbered per writer, and the
/// host skips numbers it has, so a resent batch never doubles an element.
/// </summary>
internal sealed class ListWriter(SharedStateNode node, string hostPath, string list) : HostWriter(node, hostPath, list)
{
    private readonly Queue<Batch> _waiting = new([new Batch()]);
    private long _inFlightEnd;
    private long _nextSeq;

    protected override string Kind => "list";

    /// <summary>Appends one encoded element; <paramref name="ack"/>, if any, completes once the host stores it.</summary>
    /// <exception cref="ObjectDisposedException">The list's manager is known to be disposed.</exception>
    public void Append(byte[] value, TaskCompletionSource? ack = null)
    {
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            Last().Add(value, ack);
        }
        Pump();
    }

    /// <summary>Appends encoded elements in order; <paramref name="ack"/> completes once the host stores them all.</summary>
    /// <exception cref="ObjectDisposedException">The list's manager is known to be disposed.</exception>
    public void Extend(IReadOnlyList<byte[]> values, TaskCompletionSource ack)
    {
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            foreach (var value in values)
            {
                Last().Add(value, null);
            }
            Last().Waiters.Add(ack);
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
            if (next.Values.Count > 0)
            {
                var first = _nextSeq;
                _nextSeq += next.Values.Count;
                _inFlightEnd = _nextSeq;
                return (new AppendValues(Name, Node.WriterId, first, [.. next.Values]), next.Waiters);
            }
            next.Waiters.Complete();
            if (_waiting.Count == 1 && _waiting.Peek().IsEmpty)
            {
                return null;
            }
        }
    }

    protected override bool Acknowledges(object reply) =>
        reply is Appended appended && appended.NextSeq >= _inFlightEnd;

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

    /// <summary>The batch new appends join: a new one once the last would no longer fit one message.</summary>
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

        public long Bytes { get; private set; }

        public bool IsEmpty => Values.Count == 0 && Waiters.IsEmpty;

        public void Add(byte[] value, TaskCompletionSource? ack)
        {
            Values.Add(value);
            Bytes += value.Length + 8;
            if (ack is not null)
            {
                Waiters.Add(ack);
            }
        }
    }
}
