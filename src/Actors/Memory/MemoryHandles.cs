using ActorParallel.Serialization;

namespace ActorParallel.Memory;

/// <summary>How a shared-memory object travels: its kind, the block's locator in the sending process, its element type and data size.</summary>
internal static class MemoryHandles
{
    /// <exception cref="NotShippableException">The work is bound for a Host node.</exception>
    public static void Write(WireWriter writer, byte kind, MemorySegment segment, Type elementType, string description, string managerEquivalent)
    {
        HostBoundWork.RefuseIfHostBound(description, elementType, managerEquivalent);
        SharedObjects.WriteHeader(writer, kind, string.Empty, segment.Name, elementType);
        writer.WriteInt64(segment.DataBytes);
    }

    /// <summary>Maps the block a handle names, checking it is the size the sender had.</summary>
    /// <exception cref="IOException">The block cannot be attached (see <see cref="MemorySegment.Attach"/>).</exception>
    public static SegmentLease Read(WireReader reader, string name, string what)
    {
        var dataBytes = reader.ReadInt64();
        var segment = MemorySegment.Attach(name, what);
        if (segment.DataBytes != dataBytes)
        {
            segment.Release();
            throw new WireFormatException($"{what} '{name}' arrived as {dataBytes:N0} bytes, but the block is {segment.DataBytes:N0}.");
        }
        return new SegmentLease(segment);
    }
}
