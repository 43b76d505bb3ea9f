using System.Collections.Immutable;
using Akka.Actor;

namespace ActorParallel.Shared;

/// <summary>
/// Sends this process's appends to one shared list to the host. One batch is in flight at a time;
/// appends that arrive meanwhile go together in the next one, so a fast writer pays one round trip
/// per batch, not per append. A batch whose reply is late is sent again; the host skips what it has.
/// </summary>
internal sealed class ListWriterActor : UntypedActor, IWithTimers
{
    private const int MaxAttempts = 6;

    private readonly SharedStateNode _node;
    private readonly string _hostPath;
    private readonly string _list;
    private readonly Queue<Pending> _waiting = new([new Pending()]);
    private readonly int _maxBatchBytes;
    private Pending? _inFlight;
    private IActorRef? _host;
    private long _nextSeq;
    private Exception? _broken;

    public ListWriterActor(SharedStateNode node, string hostPath, string list)
    {
        _node = node;
        _hostPath = hostPath;
        _list = list;
        _maxBatchBytes = Wire.MessageLimits.MaxPayloadBytes(node.System);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SharedStateNode node, string hostPath, string list) =>
        Akka.Actor.Props.Create(() => new ListWriterActor(node, hostPath, list));

    protected override void PreStart() =>
        _node.Host(_hostPath).PipeTo(Self, success: host => new HostFound(host), failure: error => new Status.Failure(error));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AppendToList append:
                Last().Add(append);
                TryStart();
                break;
            case FlushWrites:
                Last().Flushers.Add(Sender);
                TryStart();
                break;
            case HostFound found:
                _host = found.Host;
                TryStart();
                break;
            case Status.Failure failure:
                _broken = new InvalidOperationException($"Shared list '{_list}': the driver's shared-state host at {_hostPath} cannot be reached.", failure.Cause);
                TryStart();
                break;
            case Appended appended when _inFlight is not null && appended.NextSeq >= _inFlight.FirstSeq + _inFlight.Values.Count:
                Timers.Cancel(ResendTimer.Instance);
                _inFlight.Complete();
                _inFlight = null;
                TryStart();
                break;
            case ResendTimer when _inFlight is not null:
                Resend();
                break;
            case Appended or ResendTimer:
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
            _inFlight?.Fail(_broken);
            _inFlight = null;
            foreach (var pending in _waiting)
            {
                pending.Fail(_broken);
            }
            return;
        }
        while (_host is not null && _inFlight is null)
        {
            var next = _waiting.Dequeue();
            if (_waiting.Count == 0)
            {
                _waiting.Enqueue(new Pending());
            }
            if (next.Values.Count > 0)
            {
                _inFlight = next;
                _inFlight.FirstSeq = _nextSeq;
                _nextSeq += _inFlight.Values.Count;
                Send();
                return;
            }
            next.Complete();
            if (_waiting.Count == 1 && _waiting.Peek().IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>The batch new appends join: a new one once the last would no longer fit one message.</summary>
    private Pending Last()
    {
        var last = _waiting.Last();
        if (last.Bytes >= _maxBatchBytes)
        {
            last = new Pending();
            _waiting.Enqueue(last);
        }
        return last;
    }

    private void Send()
    {
        _inFlight!.Attempts++;
        _host!.Tell(new AppendValues(_list, _node.WriterId, _inFlight.FirstSeq, [.. _inFlight.Values]));
        Timers.StartSingleTimer(ResendTimer.Instance, ResendTimer.Instance, SharedStateNode.Timeout);
    }

    private void Resend()
    {
        if (_inFlight!.Attempts < MaxAttempts)
        {
            Send();
            return;
        }
        _broken = new TimeoutException($"Shared list '{_list}': the host did not acknowledge {_inFlight.Values.Count} appends after {MaxAttempts} attempts.");
        TryStart();
    }

    private sealed class Pending
    {
        public List<byte[]> Values { get; } = [];

        public List<TaskCompletionSource> Acks { get; } = [];

        public List<IActorRef> Flushers { get; } = [];

        public long FirstSeq { get; set; }

        public long Bytes { get; private set; }

        public bool IsEmpty => Values.Count == 0 && Acks.Count == 0 && Flushers.Count == 0;

        public int Attempts { get; set; }

        public void Add(AppendToList append)
        {
            Values.AddRange(append.Values);
            foreach (var value in append.Values)
            {
                Bytes += value.Length + 8;
            }
            if (append.Ack is not null)
            {
                Acks.Add(append.Ack);
            }
        }

        public void Complete()
        {
            Acks.ForEach(ack => ack.TrySetResult());
            Flushers.ForEach(flusher => flusher.Tell(WritesFlushed.Instance));
            Acks.Clear();
            Flushers.Clear();
        }

        public void Fail(Exception error)
        {
            Acks.ForEach(ack => ack.TrySetException(error));
            Flushers.ForEach(flusher => flusher.Tell(new Status.Failure(error)));
            Acks.Clear();
            Flushers.Clear();
        }
    }

    private sealed record HostFound(IActorRef Host);

    private sealed class ResendTimer
    {
        public static readonly ResendTimer Instance = new();
    }
}
