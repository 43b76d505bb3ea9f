using Akka.Actor;

namespace ActorParallel.Shared;

/// <summary>
/// Sends this process's additions to one shared value to the host. One addition is in flight at a
/// time; additions made meanwhile are summed into the next, so a loop of increments costs one round
/// trip per batch. Each sent addition carries this process's next operation number, which the host
/// applies once, so resending a late one never doubles it.
/// </summary>
internal sealed class ValueWriterActor : HostWriterActor
{
    private Waiters _waiters = new();
    private long _waitingDelta;
    private double _waitingFloatDelta;
    private bool _waitingAny;
    private (AddToValue Request, Waiters Waiters)? _inFlight;

    public ValueWriterActor(SharedStateNode node, string hostPath, string name)
        : base(node, hostPath, name)
    {
    }

    protected override string Kind => "value";

    protected override bool HasInFlight => _inFlight is not null;

    protected override object InFlightRequest => _inFlight!.Value.Request;

    public static Props Props(SharedStateNode node, string hostPath, string name) =>
        Akka.Actor.Props.Create(() => new ValueWriterActor(node, hostPath, name));

    protected override bool Handle(object message)
    {
        switch (message)
        {
            case AddToWriter add:
                _waitingDelta = checked(_waitingDelta + add.Delta);
                _waitingFloatDelta += add.FloatDelta;
                _waitingAny = true;
                if (add.Ack is not null)
                {
                    _waiters.Acks.Add(add.Ack);
                }
                TryStart();
                return true;
            case Added added:
                if (_inFlight is { } inFlight && added.Seq == inFlight.Request.Seq)
                {
                    Acknowledged();
                    inFlight.Waiters.Complete();
                    _inFlight = null;
                    TryStart();
                }
                return true;
            default:
                return false;
        }
    }

    protected override void AddFlusher(IActorRef flusher) => _waiters.Flushers.Add(flusher);

    protected override void TryStart()
    {
        if (Broken is not null)
        {
            _inFlight?.Waiters.Fail(Broken);
            _inFlight = null;
            _waiters.Fail(Broken);
            return;
        }
        if (Host is null || _inFlight is not null)
        {
            return;
        }
        if (!_waitingAny)
        {
            _waiters.Complete();
            return;
        }
        _inFlight = (new AddToValue(Name, Node.WriterId, Node.NextOperation(), _waitingDelta, _waitingFloatDelta), _waiters);
        _waiters = new Waiters();
        _waitingDelta = 0;
        _waitingFloatDelta = 0;
        _waitingAny = false;
        SendFirst();
    }
}
