using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// One protocol's part of the wire format: its messages, each written as a one-byte tag that no other
/// protocol uses (<see cref="WireSerializer"/> checks this when it is first used), then its fields.
/// A protocol's messages and their layout change together, here; <see cref="WireSerializer"/> only
/// finds the codec of a message or a tag.
/// </summary>
internal abstract class ProtocolCodec
{
    /// <summary>The tags of this protocol's messages.</summary>
    public abstract IReadOnlyCollection<byte> Tags { get; }

    /// <summary>Writes <paramref name="message"/>, tag first, if it is one of this protocol's; <see langword="false"/> otherwise.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="message">The message.</param>
    /// <param name="wire">For messages that carry another message, or an actor reference.</param>
    public abstract bool TryWrite(WireWriter writer, object message, WireSerializer wire);

    /// <summary>Reads the message whose tag (one of <see cref="Tags"/>) was just read.</summary>
    /// <exception cref="WireFormatException">The bytes are not such a message.</exception>
    public abstract object Read(byte tag, WireReader reader, WireSerializer wire);

    protected WireFormatException Unknown(byte tag) => new($"Tag {tag} is not a message of {GetType().Name}.");

    /// <summary>Writes an encoded value's out-of-band arrays: their count, then each (by reference on the direct link, inline elsewhere).</summary>
    protected static void WriteBlocks(WireWriter writer, Array[] blocks)
    {
        writer.WriteCount(blocks.Length);
        foreach (var block in blocks)
        {
            writer.WriteBlock(block);
        }
    }

    /// <summary>Reads what <see cref="WriteBlocks"/> wrote.</summary>
    protected static Array[] ReadBlocks(WireReader reader)
    {
        var blocks = new Array[reader.ReadCount()];
        for (var index = 0; index < blocks.Length; index++)
        {
            blocks[index] = reader.ReadBlock();
        }
        return blocks;
    }
}
