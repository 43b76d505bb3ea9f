using ActorParallel.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// Akka serializer for every <see cref="IWireMessage"/>: a one-byte message tag, then fields in a
/// compact little-endian layout, written and read by the codec of the message's protocol (chunk,
/// worker, shared state, process supervisor). Registered in <c>hocon/actorparallel.conf</c>; the
/// direct link uses it too.
/// </summary>
internal sealed class WireSerializer : Serializer
{
    /// <summary>Every protocol's codec, the chunk protocol's first (its messages are the most frequent).</summary>
    private static readonly ProtocolCodec[] Codecs = [new ChunkProtocolCodec(), new WorkerProtocolCodec(), new SharedProtocolCodec(), new ProcessProtocolCodec(), new SegmentProtocolCodec(), new QueueProtocolCodec()];

    private static readonly ProtocolCodec?[] CodecByTag = IndexByTag();

    public WireSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => Write(obj, collectBlocks: false).DetachArray();

    /// <summary>
    /// The message written; with <paramref name="collectBlocks"/>, the large arrays its values carry stay
    /// out of band (<see cref="WireWriter.Blocks"/>) for a link that sends them from where they are.
    /// </summary>
    public WireWriter Write(object obj, bool collectBlocks)
    {
        // A message that carries large values gets a buffer of about their size at once, not one grown by doubling.
        var values = collectBlocks ? 0 : WireSegments.EstimateBytes(obj);
        var writer = new WireWriter(values > 64 * 1024 ? (int)Math.Min(Array.MaxLength, values + 4096) : 256, collectBlocks);
        foreach (var codec in Codecs)
        {
            if (codec.TryWrite(writer, obj, this))
            {
                return writer;
            }
        }
        throw new ArgumentException($"{nameof(WireSerializer)} cannot serialize {obj.GetType().FullName}.", nameof(obj));
    }

    public override object FromBinary(byte[] bytes, Type? type) => Read(bytes, []);

    /// <summary>The message in <paramref name="bytes"/>, whose out-of-band arrays arrived as <paramref name="blocks"/>.</summary>
    public object Read(byte[] bytes, Array[] blocks)
    {
        var reader = new WireReader(bytes, 0, bytes.Length, blocks);
        var tag = reader.ReadByte();
        var codec = CodecByTag[tag] ?? throw new WireFormatException($"Unknown ActorParallel message tag {tag}.");
        return codec.Read(tag, reader, this);
    }

    /// <summary>The actor at <paramref name="path"/>, for messages that carry an actor reference.</summary>
    public IActorRef ResolveActorRef(string path) => system.Provider.ResolveActorRef(path);

    private static ProtocolCodec?[] IndexByTag()
    {
        var byTag = new ProtocolCodec?[256];
        foreach (var codec in Codecs)
        {
            foreach (var tag in codec.Tags)
            {
                if (byTag[tag] is { } other)
                {
                    throw new InvalidOperationException($"Wire tag {tag} is claimed by both {other.GetType().Name} and {codec.GetType().Name}.");
                }
                byTag[tag] = codec;
            }
        }
        return byTag;
    }
}
