using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>The segment protocol on the wire: pieces of a message too large for one remoting frame, and their acknowledgements.</summary>
internal sealed class SegmentProtocolCodec : ProtocolCodec
{
    private const byte SegmentTag = 90, SegmentAckTag = 91;

    public override IReadOnlyCollection<byte> Tags { get; } = [SegmentTag, SegmentAckTag];

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
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        // The piece is read in place: the frame's buffer is not copied again before it is reassembled.
        SegmentTag => new Segment(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadString(), reader.ReadString(), reader.ReadRawMemory(reader.ReadCount())),
        SegmentAckTag => new SegmentAck(reader.ReadInt64(), reader.ReadInt32()),
        _ => throw Unknown(tag),
    };
}
