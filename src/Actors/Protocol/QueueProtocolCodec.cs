using System.Collections.Immutable;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// The queue protocol on the wire: queue and pipe handles' requests to a Manager's <c>QueueStore</c>,
/// synchronization primitives' requests to its host, and their replies. Its tags are 100-139 (this
/// protocol's range; 100-116 in use), clear of the other protocols'.
/// </summary>
internal sealed class QueueProtocolCodec : ProtocolCodec
{
    private const byte QueuePutTag = 100, QueuePutDoneTag = 101, QueueOfferTag = 102, QueueOfferedTag = 103,
        QueueTakeTag = 104, QueueItemsTag = 105, QueueCancelTakeTag = 106, QueueSettleTag = 107, QueueJoinTag = 108,
        QueueStatusTag = 109, QueueStateTag = 110, QueueAckTag = 111, QueueFailedTag = 112, QueueEndedTag = 113, QueueEndTag = 114,
        SyncRequestTag = 115, SyncReplyTag = 116;

    public override IReadOnlyCollection<byte> Tags { get; } =
    [
        QueuePutTag, QueuePutDoneTag, QueueOfferTag, QueueOfferedTag, QueueTakeTag, QueueItemsTag, QueueCancelTakeTag,
        QueueSettleTag, QueueJoinTag, QueueStatusTag, QueueStateTag, QueueAckTag, QueueFailedTag, QueueEndedTag, QueueEndTag, SyncRequestTag, SyncReplyTag,
    ];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case QueuePut put:
                writer.WriteByte(QueuePutTag);
                writer.WriteString(put.Queue);
                writer.WriteString(put.Writer);
                writer.WriteInt64(put.Seq);
                WriteBlobs(writer, put.Values);
                writer.WriteInt32(put.TaskDone);
                return true;
            case QueuePutDone done:
                writer.WriteByte(QueuePutDoneTag);
                writer.WriteString(done.Queue);
                writer.WriteString(done.Writer);
                writer.WriteInt64(done.Seq);
                return true;
            case QueueOffer offer:
                writer.WriteByte(QueueOfferTag);
                writer.WriteString(offer.Queue);
                WriteBlobs(writer, offer.Values);
                writer.WriteInt64(offer.TimeoutMs);
                return true;
            case QueueOffered offered:
                writer.WriteByte(QueueOfferedTag);
                writer.WriteString(offered.Queue);
                writer.WriteBool(offered.Accepted);
                return true;
            case QueueTake take:
                writer.WriteByte(QueueTakeTag);
                writer.WriteString(take.Queue);
                writer.WriteString(take.Consumer);
                writer.WriteString(take.Address);
                writer.WriteInt64(take.RequestId);
                writer.WriteInt32(take.Max);
                writer.WriteInt64(take.TimeoutMs);
                writer.WriteInt32(take.Handed);
                return true;
            case QueueItems items:
                writer.WriteByte(QueueItemsTag);
                writer.WriteString(items.Queue);
                writer.WriteInt64(items.RequestId);
                WriteBlobs(writer, items.Values);
                return true;
            case QueueCancelTake cancel:
                writer.WriteByte(QueueCancelTakeTag);
                writer.WriteString(cancel.Queue);
                writer.WriteString(cancel.Consumer);
                writer.WriteInt64(cancel.RequestId);
                return true;
            case QueueSettle settle:
                writer.WriteByte(QueueSettleTag);
                writer.WriteString(settle.Queue);
                writer.WriteString(settle.Consumer);
                writer.WriteInt32(settle.Handed);
                writer.WriteInt32(settle.Returned);
                return true;
            case QueueJoin join:
                writer.WriteByte(QueueJoinTag);
                writer.WriteString(join.Queue);
                return true;
            case QueueStatus status:
                writer.WriteByte(QueueStatusTag);
                writer.WriteString(status.Queue);
                return true;
            case QueueState state:
                writer.WriteByte(QueueStateTag);
                writer.WriteString(state.Queue);
                writer.WriteInt32(state.Count);
                writer.WriteInt64(state.Unfinished);
                writer.WriteInt32(state.MaxSize);
                return true;
            case QueueAck ack:
                writer.WriteByte(QueueAckTag);
                writer.WriteString(ack.Queue);
                return true;
            case QueueFailed failed:
                writer.WriteByte(QueueFailedTag);
                writer.WriteString(failed.Queue);
                writer.WriteString(failed.Error);
                return true;
            case QueueEnded ended:
                writer.WriteByte(QueueEndedTag);
                writer.WriteString(ended.Queue);
                writer.WriteInt64(ended.RequestId);
                return true;
            case QueueEnd end:
                writer.WriteByte(QueueEndTag);
                writer.WriteString(end.Queue);
                return true;
            case SyncRequest sync:
                writer.WriteByte(SyncRequestTag);
                writer.WriteString(sync.Name);
                writer.WriteByte((byte)sync.Kind);
                writer.WriteByte((byte)sync.Op);
                writer.WriteString(sync.Owner);
                writer.WriteInt64(sync.RequestId);
                writer.WriteString(sync.Address);
                writer.WriteInt64(sync.Init);
                writer.WriteInt64(sync.Arg);
                writer.WriteInt64(sync.TimeoutMs);
                return true;
            case SyncReply reply:
                writer.WriteByte(SyncReplyTag);
                writer.WriteString(reply.Name);
                writer.WriteInt64(reply.RequestId);
                writer.WriteByte((byte)reply.Outcome);
                writer.WriteInt64(reply.Value);
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        QueuePutTag => new QueuePut(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), ReadBlobs(reader), reader.ReadInt32()),
        QueuePutDoneTag => new QueuePutDone(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64()),
        QueueOfferTag => new QueueOffer(reader.ReadRequiredString(), ReadBlobs(reader), reader.ReadInt64()),
        QueueOfferedTag => new QueueOffered(reader.ReadRequiredString(), reader.ReadBool()),
        QueueTakeTag => new QueueTake(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt32()),
        QueueItemsTag => new QueueItems(reader.ReadRequiredString(), reader.ReadInt64(), ReadBlobs(reader)),
        QueueCancelTakeTag => new QueueCancelTake(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64()),
        QueueSettleTag => new QueueSettle(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt32(), reader.ReadInt32()),
        QueueJoinTag => new QueueJoin(reader.ReadRequiredString()),
        QueueStatusTag => new QueueStatus(reader.ReadRequiredString()),
        QueueStateTag => new QueueState(reader.ReadRequiredString(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt32()),
        QueueAckTag => new QueueAck(reader.ReadRequiredString()),
        QueueFailedTag => new QueueFailed(reader.ReadRequiredString(), reader.ReadRequiredString()),
        QueueEndedTag => new QueueEnded(reader.ReadRequiredString(), reader.ReadInt64()),
        QueueEndTag => new QueueEnd(reader.ReadRequiredString()),
        SyncRequestTag => new SyncRequest(reader.ReadRequiredString(), (SyncKind)reader.ReadByte(), (SyncOp)reader.ReadByte(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()),
        SyncReplyTag => new SyncReply(reader.ReadRequiredString(), reader.ReadInt64(), (SyncOutcome)reader.ReadByte(), reader.ReadInt64()),
        _ => throw Unknown(tag),
    };

    private static void WriteBlobs(WireWriter writer, ImmutableArray<byte[]> blobs)
    {
        writer.WriteCount(blobs.Length);
        foreach (var blob in blobs)
        {
            writer.WriteBytes(blob);
        }
    }

    private static ImmutableArray<byte[]> ReadBlobs(WireReader reader)
    {
        var count = reader.ReadCount();
        var blobs = ImmutableArray.CreateBuilder<byte[]>(count);
        for (var index = 0; index < count; index++)
        {
            blobs.Add(reader.ReadBytes());
        }
        return blobs.MoveToImmutable();
    }
}
