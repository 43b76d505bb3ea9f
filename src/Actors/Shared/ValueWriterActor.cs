using Akka.Actor;

namespace ActorParallel.Shared;

/// <summary>
/// Sends this process's additions to one shared value to the host. One addition is in flight at a
/// time; additions made meanwhile are summed into the next, so a loop of increments costs one round
/// trip per batch. Each sent addition carries this process's next operation number, and the host
/// applies a number once, so resending a late one never doubles it.
/// </summary>
internal sealed class ValueWriterActor : UntypedActor, IWithTimers
{
    private const int MaxAttempts = 6;

    private readonly SharedStateNode _node;
    private readonly string _hostPath;
    private readonly string _name;
    private readonly List<TaskCompletionSource> _waitingAcks = [];
    private readonly List<IActorRef> _waitingFlushers = [];
    private long _waitingDelta;
    private bool _waitingAny;
    private InFlight? _inFlight;
    private IActorRef? _host;
    private Exception? _broken;

    public ValueWriterActor(SharedStateNode node, string hostPath, string name)
    {
        _node = node;
        _hostPath = hostPath;
        _name = name;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SharedStateNode node, string hostPath, string name) =>
        Akka.Actor.Props.Create(() => new ValueWriterActor(node, hostPath, name));

    protected override void PreStart() =>
        _node.Host(_hostPath).PipeTo(Self, success: host => new HostFound(host), failure: error => new Status.Failure(error));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AddToWriter add:
                _waitingDelta = checked(_waitingDelta + add.Delta);
                _waitingAny = true;
                if (add.Ack is not null)
                {
                    _waitingAcks.Add(add.Ack);
                }
                TryStart();
                break;
            case FlushWrites:
                _waitingFlushers.Add(Sender);
                TryStart();
                break;
            case HostFound found:
                _host = found.Host;
                TryStart();
                break;
            case Status.Failure failure:
                _broken = new InvalidOperationException($"Shared value '{_name}': the driver's shared-state host at {_hostPath} cannot be reached.", failure.Cause);
                TryStart();
                break;
            case Added added when _inFlight is not null && added.Seq == _inFlight.Request.Seq:
                Timers.Cancel(ResendTimer.Instance);
                _inFlight.Acks.ForEach(ack => ack.TrySetResult());
                _inFlight.Flushers.ForEach(flusher => flusher.Tell(WritesFlushed.Instance));
                _inFlight = null;
                TryStart();
                break;
            case ResendTimer when _inFlight is not null:
                Resend();
                break;
            case Added or ResendTimer:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void TryStart()
    {
        if (_broken is not null)
        {
            Fail(_broken);
            return;
        }
        if (_host is null || _inFlight is not null)
        {
            return;
        }
        if (!_waitingAny)
        {
            _waitingFlushers.ForEach(flusher => flusher.Tell(WritesFlushed.Instance));
            _waitingFlushers.Clear();
            return;
        }
        var request = new AddToValue(_name, _node.WriterId, _node.NextOperation(), _waitingDelta);
        _inFlight = new InFlight(request, [.. _waitingAcks], [.. _waitingFlushers]);
        _waitingDelta = 0;
        _waitingAny = false;
        _waitingAcks.Clear();
        _waitingFlushers.Clear();
        Send();
    }

    private void Send()
    {
        _inFlight!.Attempts++;
        _host!.Tell(_inFlight.Request);
        Timers.StartSingleTimer(ResendTimer.Instance, ResendTimer.Instance, SharedStateNode.Timeout);
    }

    private void Resend()
    {
        if (_inFlight!.Attempts < MaxAttempts)
        {
            Send();
            return;
        }
        _broken = new TimeoutException($"Shared value '{_name}': the host did not acknowledge an addition after {MaxAttempts} attempts.");
        TryStart();
    }

    private void Fail(Exception error)
    {
        foreach (var ack in _waitingAcks.Concat(_inFlight?.Acks ?? []))
        {
            ack.TrySetException(error);
        }
        foreach (var flusher in _waitingFlushers.Concat(_inFlight?.Flushers ?? []))
        {
            flusher.Tell(new Status.Failure(error));
        }
        _waitingAcks.Clear();
        _waitingFlushers.Clear();
        _inFlight = null;
    }

    private sealed record InFlight(AddToValue Request, List<TaskCompletionSource> Acks, List<IActorRef> Flushers)
    {
        public int Attempts { get; set; }
    }

    private sealed record HostFound(IActorRef Host);

    private sealed class ResendTimer
    {
        public static readonly ResendTimer Instance = new();
    }
}
