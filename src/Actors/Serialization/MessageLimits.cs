using Akka.Actor;

namespace ActorParallel.Serialization;

/// <summary>
/// How large one payload (a batch of chunk items, a segment of results) may be: half of Akka.Remote's
/// maximum frame, leaving room for the envelope. Larger data is split; a single value that is larger
/// on its own fails with <see cref="MessageTooLargeException"/>.
/// </summary>
internal static class MessageLimits
{
    public static int MaxPayloadBytes(ActorSystem system)
    {
        var frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128_000;
        return (int)Math.Min(int.MaxValue, frame / 2);
    }
}
