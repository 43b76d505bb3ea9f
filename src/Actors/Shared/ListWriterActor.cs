using Akka.Actor;

namespace ActorParallel.Shared;

/// <summary>
/// Sends this process's appends to one shared list to the host. One batch is in flight at a time;
/// appends that arrive meanwhile go together in the next one (split so each fits a message), so a
/// fast writer pays one round trip per batch, not per append. Appends are numbered per writer, and
/// the host skips numbers it has, so a resent batch never doubles an element.
/// </summary>
internal sealed class ListWriterActor : HostWriterActor
{
    private readonly Queue<Batch> _waiting = new([new Batch()]);
    private readonly int _maxBatchBytes;
    private Batch? _inFlight;
    private long _nextSeq;

    public ListWriterActor(SharedStateNode node, string hostPath, string list)
        : base(node, hostPath, list)
    {
        _maxBatchBytes = Wire.MessageLimits.MaxPayloadBytes(node.System);
    }

    protected override string Kind => "list";

    protected override bool HasInFlight => _inFlight is not null;

    protected override object InFlightRequest => new AppendValues(Name, Node.WriterId, _inFlight!.FirstSeq, [.. _inFlight.Values]);

    public static Props Props(SharedStateNode node, string hostPath, string list) =>
        Akka.Actor.Props.Create(() => new ListWriterActor(node, hostPath, list));

    protected override bool Handle(object message)
    {
        switch (message)
        {
            case AppendToList append:
                Last().Add(append);
                TryStart();
                return true;
            case Appended appended:
                if (_inFlight is not null && appended.NextSeq >= _inFlight.FirstSeq + _inFlight.Values.Count)
                {
                    Acknowledged();
                    _inFlight.Waiters.Complete();
                    _inFlight = null;
                    TryStart();
                }
                return true;
            default:
                return false;
        }
    }

    protected override void AddFlusher(IActorRef flusher) => Last().Waiters.Flushers.Add(flusher);

    protected override void TryStart()
    {
        if (Broken is not null)
        {
            _inFlight?.Waiters.Fail(Broken);
            _inFlight = null;
            foreach (var batch in _waiting)
            {
                batch.Waiters.Fail(Broken);
            }
            return;
        }
        while (Host is not null && _inFlight is null)
        {
            var next = _waiting.Dequeue();
            if (_waiting.Count == 0)
            {
                _waiting.Enqueue(new Batch());
            }
            if (next.Values.Count > 0)
            {
                _inFlight = next;
                _inFlight.FirstSeq = _nextSeq;
                _nextSeq += _inFlight.Values.Count;
                SendFirst();
                return;
            }
            next.Waiters.Complete();
            if (_waiting.Count == 1 && _waiting.Peek().IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>The batch new appends join: a new one once the last would no longer fit one message.</summary>
    private Batch Last()
    {
        var last = _waiting.Last();
        if (last.Bytes >= _maxBatchBytes)
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

        public long FirstSeq { get; set; }

        public long Bytes { get; private set; }

        public bool IsEmpty => Values.Count == 0 && Waiters.IsEmpty;

        public void Add(AppendToList append)
        {
            Values.AddRange(append.Values);
            foreach (var value in append.Values)
            {
                Bytes += value.Length + 8;
            }
            if (append.Ack is not null)
            {
                Waiters.Acks.Add(append.Ack);
            }
        }
    }
}
