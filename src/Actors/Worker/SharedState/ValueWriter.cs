using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// Sends this process's additions to one shared value to the host. One addition is in flight at a
/// time; additions made meanwhile are summed into the next, so a loop of increments costs one round
/// trip per batch. Each sent addition carries this process's next operation number, which the host
/// applies once, so resending a late one never doubles it.
/// </summary>
internal sealed class ValueWriter(SharedStateNode node, string hostPath, string name) : HostWriter(node, hostPath, name)
{
    private Waiters _waiters = new();
    private long _waitingDelta;
    private double _waitingFloatDelta;
    private bool _waitingAny;
    private long _inFlightSeq = -1;

    protected override string Kind => "value";

    /// <summary>Adds to the value; <paramref name="ack"/>, if any, completes once the host has applied it.</summary>
    /// <exception cref="OverflowException">The additions waiting to be sent no longer fit a 64-bit integer.</exception>
    /// <exception cref="ObjectDisposedException">The value's manager is known to be disposed.</exception>
    public void Add(long delta, double floatDelta, TaskCompletionSource? ack)
    {
        AfterEarlierWrites();
        lock (Gate)
        {
            ThrowIfManagerDisposed();
            MarkBusy();
            _waitingDelta = checked(_waitingDelta + delta);
            _waitingFloatDelta += floatDelta;
            _waitingAny = true;
            if (ack is not null)
            {
                _waiters.Add(ack);
            }
        }
        Pump();
    }

    protected override (object Request, Waiters Waiters)? TakeNext()
    {
        if (!_waitingAny)
        {
            _waiters.Complete();
            return null;
        }
        var request = new AddToValue(Name, Node.WriterId, Node.NextOperation(), _waitingDelta, _waitingFloatDelta);
        var waiters = _waiters;
        _inFlightSeq = request.Seq;
        _waiters = new Waiters();
        _waitingDelta = 0;
        _waitingFloatDelta = 0;
        _waitingAny = false;
        return (request, waiters);
    }

    protected override bool Acknowledges(object reply) => reply is Added added && added.Seq == _inFlightSeq;

    protected override bool FailWaiting(Exception error) => _waiters.Fail(error);

    protected override void AddFlusher(TaskCompletionSource flusher, bool settledOnly) => _waiters.Add(flusher, settledOnly);
}
