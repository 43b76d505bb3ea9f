using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>The segment protocol on the wire: pieces of a message too large for one remoting frame, and their acknowledgements; where a bulk link reaches a system.</summary>
internal sealed class SegmentProtocolCodec : ProtocolCodec
{
    private const byte SegmentTag = 90, SegmentAckTag = 91, BulkQueryTag = 92, BulkEndpointTag = 93;

    public override IReadOnlyCollection<byte> Tags { get; } = [SegmentTag, SegmentAckTag, BulkQueryTag, BulkEndpointTag];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case Segment segment:
                writer.WriteByte(SegmentTag);
                writer.WriteInt64(segment.TransferId);
                writer.WriteInt32(segment.Index);
                writer.WriteInt64(segment.TotalBytes);
                writer.WriteString(segment.Recipient);
                writer.WriteString(segment.Sender);
                writer.WriteBytes(segment.Bytes.Span);
                return true;
            case SegmentAck ack:
                writer.WriteByte(SegmentAckTag);
                writer.WriteInt64(ack.TransferId);
                writer.WriteInt32(ack.Index);
                return true;
            case BulkQuery:
                writer.WriteByte(BulkQueryTag);
                return true;
            case BulkEndpoint endpoint:
                writer.WriteByte(BulkEndpointTag);
                writer.WriteString(endpoint.Host);
                writer.WriteInt32(endpoint.Port);
                writer.WriteString(endpoint.Token);
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        // The piece is read in place: the frame's buffer is not copied again before it is reassembled.
        SegmentTag => new Segment(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadString(), reader.ReadString(), reader.ReadRawMemory(reader.ReadCount())),
        SegmentAckTag => new SegmentAck(reader.ReadInt64(), reader.ReadInt32()),
        BulkQueryTag => BulkQuery.Instance,
        BulkEndpointTag => new BulkEndpoint(reader.ReadString(), reader.ReadInt32(), reader.ReadString() ?? string.Empty),
        _ => throw Unknown(tag),
    };
}
