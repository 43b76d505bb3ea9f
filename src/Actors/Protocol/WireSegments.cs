using System.Collections.Concurrent;
using ActorParallel.Serialization;
using Akka.Actor;

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
/// are told directly, as before. When both systems have <see cref="BulkLinks"/>, a large message goes
/// over a connection of their own instead of in segments (same order, same recipient and sender).
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

    private readonly long _limit;
    private readonly ConcurrentDictionary<IActorRef, SegmentOutbox> _outboxes = new();
    private readonly IActorRef _actor;
    private volatile BulkLinks? _bulk;

    public WireSegments(ExtendedActorSystem system)
    {
        _limit = MessageLimits.MaxPayloadBytes(system);
        _actor = system.SystemActorOf(Props.Create(() => new SegmentsActor(this)), ActorName);
        system.RegisterOnTermination(() => _bulk?.Dispose());
    }

    private long _segmentsReceived;

    /// <summary>How many segments this system has received (tests see which way messages came).</summary>
    public long SegmentsReceived => Interlocked.Read(ref _segmentsReceived);

    internal void CountSegment() => Interlocked.Increment(ref _segmentsReceived);

    /// <summary>This system's bulk links, when its transport made them (<see cref="UseBulkLinks"/>); else large messages go in segments.</summary>
    public BulkLinks? Bulk => _bulk;

    /// <summary>Sends this system's large messages over <paramref name="links"/>, and lets peers send theirs to it that way.</summary>
    public void UseBulkLinks(BulkLinks links) => _bulk = links;

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
        var outbox = _outboxes.GetOrAdd(recipient, static r => new SegmentOutbox(r));
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
            _actor.Tell(new SegmentsActor.Pump(outbox));
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
        return _actor.Ask<object>(replyTo => new SegmentsActor.Forward(recipient, message, replyTo), timeout, CancellationToken.None);
    }

    /// <summary>
    /// The bytes a message's values take, without serializing it: the messages that carry encoded values
    /// count them; the rest are small. The limit leaves half the frame for what this does not count.
    /// </summary>
    public static long EstimateBytes(object message) => message switch
    {
        RunChunks run => (run.Function?.Length ?? 0) + Sum(run.Chunks),
        ChunkResults results => Sum(results.Results),
        RunTarget target => target.Call.Size,
        RunInitializer initializer => initializer.Call.Length,
        StartProcess start => start.Spec.Encoded.Size,
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

    internal void Forget(IActorRef recipient) => _outboxes.TryRemove(recipient, out _);
}

internal sealed class WireSegmentsProvider : ExtensionIdProvider<WireSegments>
{
    public override WireSegments CreateExtension(ExtendedActorSystem system) => new(system);
}
