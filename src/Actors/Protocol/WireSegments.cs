using System.Collections.Concurrent;
using ActorParallel.Serialization;
using Akka.Actor;
using Akka.Event;

namespace ActorParallel.Protocol;

/// <summary>
/// Sends messages to actors in other processes over Akka.Remote whatever their size. Akka.Remote carries
/// one association's messages in order over one connection and drops a message larger than its frame
/// (<c>maximum-frame-size</c>); one giant frame would also hold the failure detector's heartbeats behind it.
/// So a message larger than <see cref="MessageLimits.MaxPayloadBytes"/> goes as <see cref="Segment"/>s of
/// <see cref="SegmentBytes"/>, at most <see cref="Window"/> unacknowledged at a time (heartbeats and other
/// messages wait behind at most that much), to the receiving system's segments actor, which reassembles and
/// delivers it. Messages to the same recipient sent after a large one wait until it is delivered, so the
/// recipient sees them in the order they were sent. Small messages to a recipient with nothing in transfer
/// are told directly, as before.
/// </summary>
/// <remarks>
/// Akka.Streams' StreamRefs do the same over remoting, with demand instead of acknowledgements; they
/// need a materializer and a stream per transfer on both sides, and this one-actor protocol keeps the
/// worker processes free of Akka.Streams (start-up time).
/// </remarks>
internal sealed class WireSegments : IExtension
{
    /// <summary>The size of one piece.</summary>
    public const int SegmentBytes = 64 << 10;

    /// <summary>How many pieces may be unacknowledged at a time.</summary>
    public const int Window = 64;

    public const string ActorName = "actorparallel-segments";

    private readonly ActorSystem _system;
    private readonly long _limit;
    private readonly ConcurrentDictionary<IActorRef, Outbox> _outboxes = new();
    private readonly IActorRef _actor;

    public WireSegments(ExtendedActorSystem system)
    {
        _system = system;
        _limit = MessageLimits.MaxPayloadBytes(system);
        _actor = system.SystemActorOf(Props.Create(() => new SegmentsActor(this)), ActorName);
    }

    /// <summary>This system's instance; made (with its actor, which receives other systems' segments) on first use.</summary>
    public static WireSegments Get(ActorSystem system) => system.WithExtension<WireSegments, WireSegmentsProvider>();

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="recipient"/> from <paramref name="sender"/>, as
    /// <c>Tell</c> does: directly when the recipient is local or the message small and nothing is in transfer
    /// to it; else in segments, in order after what was sent to it before. Any thread may call it.
    /// </summary>
    public void Send(IActorRef recipient, object message, IActorRef sender)
    {
        if (recipient.Path.Address.HasLocalScope)
        {
            recipient.Tell(message, sender);
            return;
        }
        var large = EstimateBytes(message) > _limit;
        if (!large && !_outboxes.ContainsKey(recipient))
        {
            recipient.Tell(message, sender);
            return;
        }
        var outbox = _outboxes.GetOrAdd(recipient, static r => new Outbox(r));
        bool start;
        lock (outbox)
        {
            if (!outbox.Busy && !large)
            {
                recipient.Tell(message, sender);
                return;
            }
            outbox.Queue.Enqueue((message, sender, large));
            start = !outbox.Busy;
            outbox.Busy = true;
        }
        if (start)
        {
            _actor.Tell(new Pump(outbox));
        }
    }

    /// <summary>
    /// Asks <paramref name="recipient"/> as <c>Ask</c> does; a request larger than a frame goes in segments
    /// (the reply comes back to the asking task however it travels).
    /// </summary>
    /// <exception cref="AskTimeoutException">No reply within <paramref name="timeout"/>.</exception>
    public Task<object> AskAsync(IActorRef recipient, object message, TimeSpan timeout)
    {
        if (recipient.Path.Address.HasLocalScope || (EstimateBytes(message) <= _limit && !_outboxes.ContainsKey(recipient)))
        {
            return recipient.Ask<object>(message, timeout);
        }
        return _actor.Ask<object>(replyTo => new Forward(recipient, message, replyTo), timeout, CancellationToken.None);
    }

    /// <summary>
    /// The bytes a message's values take, without serializing it: the messages that carry encoded values
    /// count them; the rest are small. The limit leaves half the frame for what this does not count.
    /// </summary>
    public static long EstimateBytes(object message) => message switch
    {
        RunChunks run => (run.Function?.Length ?? 0) + Sum(run.Chunks),
        ChunkResults results => Sum(results.Results),
        RunTarget target => target.Call.Length,
        RunInitializer initializer => initializer.Call.Length,
        StartProcess start => start.Spec.Call.Length,
        AppendValues append => Sum(append.Values),
        ListPage page => Sum(page.Values),
        EditList edit => edit.Value?.Length ?? 0,
        ListEdited edited => edited.Value?.Length ?? 0,
        WriteDict write => write.Key.Length + (write.Value?.Length ?? 0),
        ReadDict read => read.Key?.Length ?? 0,
        DictPage page => Sum(page.Keys) + Sum(page.Values),
        SharedCall call => EstimateBytes(call.Request),
        SharedReply { Reply: { } reply } => EstimateBytes(reply),
        Segment segment => segment.Bytes.Length,
        QueuePut put => Sum(put.Values),
        QueueOffer offer => Sum(offer.Values),
        QueueItems items => Sum(items.Values),
        _ => 0,
    };

    private static long Sum(System.Collections.Immutable.ImmutableArray<ChunkPayload> chunks)
    {
        long total = 0;
        foreach (var chunk in chunks)
        {
            total += chunk.Items.Size;
        }
        return total;
    }

    private static long Sum(System.Collections.Immutable.ImmutableArray<byte[]> values)
    {
        long total = 0;
        foreach (var value in values)
        {
            total += value.Length;
        }
        return total;
    }

    private void Forget(IActorRef recipient) => _outboxes.TryRemove(recipient, out _);

    /// <summary>What waits to go to one recipient, in order; <see cref="Busy"/> while the segments actor is sending it.</summary>
    private sealed class Outbox(IActorRef recipient)
    {
        public IActorRef Recipient { get; } = recipient;

        public Queue<(object Message, IActorRef Sender, bool Large)> Queue { get; } = new();

        public bool Busy { get; set; }
    }

    private sealed record Pump(Outbox Outbox);

    /// <summary>Sends <see cref="Message"/> to <see cref="Recipient"/> as from <see cref="ReplyTo"/> (an asking task's temporary actor).</summary>
    private sealed record Forward(IActorRef Recipient, object Message, IActorRef ReplyTo);

    /// <summary>
    /// Sends the queued messages of each busy outbox in order, cutting the large ones into segments; receives
    /// other systems' segments, reassembles each message and delivers it to its recipient here.
    /// </summary>
    private sealed class SegmentsActor(WireSegments owner) : UntypedActor
    {
        private readonly Dictionary<long, Transfer> _sending = [];
        private readonly Dictionary<(IActorRef From, long Id), Reassembly> _receiving = [];
        private readonly HashSet<IActorRef> _watched = [];
        private long _lastTransferId;

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
                default:
                    Unhandled(message);
                    break;
            }
        }

        /// <summary>Tells the outbox's small messages, up to the first large one, whose transfer it starts; ends the outbox's turn when it is empty.</summary>
        private void Drain(Outbox outbox)
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

        private void Start(Outbox outbox, object message, IActorRef sender)
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
                Context.GetLogger().Error(exception, "A {0} to {1} could not be serialized and was dropped.", message.GetType().Name, outbox.Recipient);
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
            while (transfer.Sent < transfer.Count && transfer.Sent - transfer.Acked < Window)
            {
                SendNext(transfer);
            }
        }

        private ActorSelection ActorSelection(Address address) =>
            Context.System.ActorSelection(new RootActorPath(address) / "system" / ActorName);

        private void SendNext(Transfer transfer)
        {
            var index = transfer.Sent++;
            var offset = (long)index * SegmentBytes;
            var length = (int)Math.Min(SegmentBytes, transfer.Bytes.Length - offset);
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
            while (transfer.Sent < transfer.Count && transfer.Sent - transfer.Acked < Window)
            {
                SendNext(transfer);
            }
        }

        private void Receive(Segment segment)
        {
            var key = (Sender, segment.TransferId);
            if (segment.Index == 0)
            {
                if (segment.TotalBytes > Array.MaxLength || segment.Recipient is null)
                {
                    Context.GetLogger().Error("A segmented message of {0:N0} bytes from {1} cannot be received (the largest is {2:N0}).", segment.TotalBytes, Sender, Array.MaxLength);
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
            segment.Bytes.Span.CopyTo(reassembly.Buffer.AsSpan((int)((long)segment.Index * SegmentBytes)));
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
                Context.GetLogger().Error(exception, "A segmented message for {0} could not be read and was dropped.", reassembly.Recipient);
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
            owner.Forget(actor);
        }

        private sealed class Transfer(long id, Outbox outbox, ReadOnlyMemory<byte> bytes, ActorSelection receiver, string recipientPath, string? senderPath)
        {
            public long Id { get; } = id;

            public Outbox Outbox { get; } = outbox;

            public ReadOnlyMemory<byte> Bytes { get; } = bytes;

            public ActorSelection Receiver { get; } = receiver;

            public string RecipientPath { get; } = recipientPath;

            public string? SenderPath { get; } = senderPath;

            public int Count { get; } = (int)((bytes.Length + (long)SegmentBytes - 1) / SegmentBytes);

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
}

internal sealed class WireSegmentsProvider : ExtensionIdProvider<WireSegments>
{
    public override WireSegments CreateExtension(ExtendedActorSystem system) => new(system);
}
