using Akka.Actor;
using ActorParallel.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Protocol;

/// <summary>What waits to go to one recipient, in order; <see cref="Busy"/> while the segments actor is sending it.</summary>
internal sealed class SegmentOutbox(IActorRef recipient)
{
    public IActorRef Recipient { get; } = recipient;

    public Queue<(object Message, IActorRef Sender, bool Large)> Queue { get; } = new();

    public bool Busy { get; set; }
}

/// <summary>
/// Sends the queued messages of each busy outbox in order, cutting the large ones into segments; receives
/// other systems' segments, reassembles each message and delivers it to its recipient here.
/// </summary>
internal sealed partial class SegmentsActor(WireSegments owner) : UntypedActor, IWithTimers
{
    /// <summary>The outbox has messages to send and nobody is sending them.</summary>
    public sealed record Pump(SegmentOutbox Outbox);

    /// <summary>Sends <see cref="Message"/> to <see cref="Recipient"/> as from <see cref="ReplyTo"/> (an asking task's temporary actor).</summary>
    public sealed record Forward(IActorRef Recipient, object Message, IActorRef ReplyTo);

    private readonly Dictionary<long, Transfer> _sending = [];
    private readonly Dictionary<(IActorRef From, long Id), Reassembly> _receiving = [];
    private readonly HashSet<IActorRef> _watched = [];
    private long _lastTransferId;

    public ITimerScheduler Timers { get; set; } = null!;

    private ILogger Log => ActorParallelLogging.Get(Context.System).CreateLogger(LogCategories.Wire);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Pump pump:
                Drain(pump.Outbox);
                break;
            case Forward forward:
                owner.Send(forward.Recipient, forward.Message, forward.ReplyTo);
                break;
            case SegmentAck ack:
                Acknowledged(ack);
                break;
            case Segment segment:
                Receive(segment);
                break;
            case Terminated terminated:
                Gone(terminated.ActorRef);
                break;
            case BulkQuery:
                Sender.Tell(BulkEndpointHere());
                break;
            case BulkEndpoint endpoint:
                Answered(Sender.Path.Address, endpoint);
                break;
            case BulkConnected connected:
                Connected(connected);
                break;
            case BulkQueryTimedOut timedOut:
                if (_routes.TryGetValue(timedOut.Address, out var late) && late.Waiting is not null && !late.Connecting)
                {
                    Log.LogInformation("Large messages to {Address} go in segments over Akka.Remote: it did not say where a bulk link reaches it.", timedOut.Address);
                    Routed(late);
                }
                break;
            case BulkSent sent:
                BulkFinished(sent);
                break;
            case BulkClosed closed:
                Closed(closed);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Tells the outbox's small messages, up to the first large one, whose transfer it starts; ends the outbox's turn when it is empty.</summary>
    private void Drain(SegmentOutbox outbox)
    {
        while (true)
        {
            (object Message, IActorRef Sender, bool Large) next;
            lock (outbox)
            {
                if (outbox.Queue.Count == 0)
                {
                    outbox.Busy = false;
                    return;
                }
                next = outbox.Queue.Peek();
                if (!next.Large)
                {
                    outbox.Queue.Dequeue();
                    outbox.Recipient.Tell(next.Message, next.Sender);
                    continue;
                }
            }
            Start(outbox, next.Message, next.Sender);
            return;
        }
    }

    private void StartSegments(SegmentOutbox outbox, object message, IActorRef sender)
    {
        ReadOnlyMemory<byte> bytes;
        try
        {
            // Written once, and cut into pieces from the writer's own buffer: no copy of the whole.
            var wire = (WireSerializer)Context.System.Serialization.FindSerializerForType(typeof(IWireMessage));
            bytes = wire.Write(message, collectBlocks: false).WrittenMemory;
        }
        catch (Exception exception)
        {
            // As Akka.Remote does with a message it cannot serialize: logged, and the rest goes on.
            Log.LogError(exception, "A {MessageType} to {Recipient} could not be serialized and was dropped.", message.GetType().Name, outbox.Recipient);
            lock (outbox)
            {
                outbox.Queue.Dequeue();
            }
            Drain(outbox);
            return;
        }
        if (_watched.Add(outbox.Recipient))
        {
            Context.Watch(outbox.Recipient);
        }
        // Paths with this system's address (an asking task's temporary actor has none of its own) and the
        // actors' uids: a reference resolved from a path without its uid is not equal to the original,
        // and a pool's router knows its workers by reference.
        var here = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var transfer = new Transfer(++_lastTransferId, outbox, bytes,
            ActorSelection(outbox.Recipient.Path.Address),
            outbox.Recipient.Path.ToSerializationFormatWithAddress(here),
            sender.IsNobody() ? null : sender.Path.ToSerializationFormatWithAddress(here));
        _sending[transfer.Id] = transfer;
        while (transfer.Sent < transfer.Count && transfer.Sent - transfer.Acked < WireSegments.Window)
        {
            SendNext(transfer);
        }
    }

    private ActorSelection ActorSelection(Address address) =>
        Context.System.ActorSelection(new RootActorPath(address) / "system" / WireSegments.ActorName);

    private void SendNext(Transfer transfer)
    {
        var index = transfer.Sent++;
        var offset = (long)index * WireSegments.SegmentBytes;
        var length = (int)Math.Min(WireSegments.SegmentBytes, transfer.Bytes.Length - offset);
        var first = index == 0;
        transfer.Receiver.Tell(
            new Segment(transfer.Id, index, transfer.Bytes.Length, first ? transfer.RecipientPath : null, first ? transfer.SenderPath : null,
                transfer.Bytes.Slice((int)offset, length)),
            Self);
    }

    private void Acknowledged(SegmentAck ack)
    {
        if (!_sending.TryGetValue(ack.TransferId, out var transfer))
        {
            return;
        }
        transfer.Acked++;
        if (transfer.Acked == transfer.Count)
        {
            _sending.Remove(transfer.Id);
            lock (transfer.Outbox)
            {
                transfer.Outbox.Queue.Dequeue();
            }
            Drain(transfer.Outbox);
            return;
        }
        while (transfer.Sent < transfer.Count && transfer.Sent - transfer.Acked < WireSegments.Window)
        {
            SendNext(transfer);
        }
    }

    private void Receive(Segment segment)
    {
        owner.CountSegment();
        var key = (Sender, segment.TransferId);
        if (segment.Index == 0)
        {
            if (segment.TotalBytes > Array.MaxLength || segment.Recipient is null)
            {
                Log.LogError("A segmented message of {Bytes:N0} bytes from {Sender} cannot be received (the largest is {MaxBytes:N0}).", segment.TotalBytes, Sender, Array.MaxLength);
                return;
            }
            _receiving[key] = new Reassembly(new byte[segment.TotalBytes], segment.Recipient, segment.Sender);
            if (_watched.Add(Sender))
            {
                Context.Watch(Sender);
            }
        }
        if (!_receiving.TryGetValue(key, out var reassembly))
        {
            return;
        }
        segment.Bytes.Span.CopyTo(reassembly.Buffer.AsSpan((int)((long)segment.Index * WireSegments.SegmentBytes)));
        reassembly.Received += segment.Bytes.Length;
        if (reassembly.Received == reassembly.Buffer.Length)
        {
            _receiving.Remove(key);
            Deliver(reassembly);
        }
        if (CoordinatedShutdown.Get(Context.System).ShutdownReason is null)
        {
            // Not once this system is shutting down: remoting may be stopped, and Akka logs the attempt as an ERROR.
            Sender.Tell(new SegmentAck(segment.TransferId, segment.Index));
        }
    }

    private void Deliver(Reassembly reassembly)
    {
        var provider = ((ExtendedActorSystem)Context.System).Provider;
        object message;
        try
        {
            message = Context.System.Serialization.FindSerializerForType(typeof(IWireMessage)).FromBinary(reassembly.Buffer, null);
        }
        catch (Exception exception)
        {
            Log.LogError(exception, "A segmented message for {Recipient} could not be read and was dropped.", reassembly.Recipient);
            return;
        }
        var sender = reassembly.Sender is null ? ActorRefs.NoSender : provider.ResolveActorRef(reassembly.Sender);
        provider.ResolveActorRef(reassembly.Recipient).Tell(message, sender);
    }

    /// <summary>A recipient or a sending system is gone: what was on its way to it, or from it, is dropped.</summary>
    private void Gone(IActorRef actor)
    {
        _watched.Remove(actor);
        foreach (var key in _receiving.Keys.Where(k => k.From.Equals(actor)).ToList())
        {
            _receiving.Remove(key);
        }
        foreach (var transfer in _sending.Values.Where(t => t.Outbox.Recipient.Equals(actor)).ToList())
        {
            _sending.Remove(transfer.Id);
        }
        foreach (var id in _bulkSending.Where(t => t.Value.Outbox.Recipient.Equals(actor)).Select(t => t.Key).ToList())
        {
            _bulkSending.Remove(id);
        }
        owner.Forget(actor);
    }

    private sealed class Transfer(long id, SegmentOutbox outbox, ReadOnlyMemory<byte> bytes, ActorSelection receiver, string recipientPath, string? senderPath)
    {
        public long Id { get; } = id;

        public SegmentOutbox Outbox { get; } = outbox;

        public ReadOnlyMemory<byte> Bytes { get; } = bytes;

        public ActorSelection Receiver { get; } = receiver;

        public string RecipientPath { get; } = recipientPath;

        public string? SenderPath { get; } = senderPath;

        public int Count { get; } = (int)((bytes.Length + (long)WireSegments.SegmentBytes - 1) / WireSegments.SegmentBytes);

        public int Sent { get; set; }

        public int Acked { get; set; }
    }

    private sealed class Reassembly(byte[] buffer, string recipient, string? sender)
    {
        public byte[] Buffer { get; } = buffer;

        public string Recipient { get; } = recipient;

        public string? Sender { get; } = sender;

        public long Received { get; set; }
    }
}
