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
    private readonly ValueBatches _waiting = new(node.MaxPayloadBytes);
    private long _inFlightEnd;
    private long _nextSeq;

    protected override string Kind => "list";

    /// <summary>Appends one encoded element; <paramref name="ack"/>, if any, completes once the host stores it.</summary>
    /// <exception cref="ObjectDisposedException">The list's manager is known to be disposed.</exception>
    public void Append(byte[] value, TaskCompletionSource? ack = null)
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

    /// <summary>Appends encoded elements in order; <paramref name="ack"/> completes once the host stores them all.</summary>
    /// <exception cref="ObjectDisposedException">The list's manager is known to be disposed.</exception>
    public void Extend(IReadOnlyList<byte[]> values, TaskCompletionSource ack)
    {
        AfterEarlierWrites();
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            MarkBusy();
            foreach (var value in values)
            {
                _waiting.Last().Add(value, null);
            }
            _waiting.Last().Waiters.Add(ack);
        }
        Pump();
    }

    protected override (object Request, Waiters Waiters)? TakeNext()
    {
        if (_waiting.TakeNext() is not { } next)
        {
            return null;
        }
        var first = _nextSeq;
        _nextSeq += next.Values.Count;
        _inFlightEnd = _nextSeq;
        return (new AppendValues(Name, Node.WriterId, first, [.. next.Values]), next.Waiters);
    }

    protected override bool Acknowledges(object reply) =>
        reply is Appended appended && appended.NextSeq >= _inFlightEnd;

    protected override bool FailWaiting(Exception error) => _waiting.FailWaiting(error);

    protected override void AddFlusher(TaskCompletionSource flusher, bool settledOnly) => _waiting.Last().Waiters.Add(flusher, settledOnly);
}
