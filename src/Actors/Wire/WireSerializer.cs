using ActorParallel.Processes;
using Akka.Actor;
using Akka.Serialization;

namespace ActorParallel.Wire;

/// <summary>
/// Akka serializer for every <see cref="IWireMessage"/>: a one-byte message tag, then fields in a
/// compact little-endian layout. Registered in <c>hocon/actorparallel.conf</c>.
/// </summary>
internal sealed class WireSerializer : Serializer
{
    private const byte HelloTag = 1, RunTargetTag = 2, TargetFinishedTag = 3, ExitWorkerTag = 4;

    public WireSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var writer = new WireWriter();
        switch (obj)
        {
            case WorkerHello hello:
                writer.WriteByte(HelloTag);
                writer.WriteString(hello.Address);
                writer.WriteInt32(hello.Pid);
                break;
            case RunTarget run:
                writer.WriteByte(RunTargetTag);
                writer.WriteString(run.ProcessName);
                writer.WriteBytes(run.Call);
                break;
            case TargetFinished finished:
                writer.WriteByte(TargetFinishedTag);
                writer.WriteBool(finished.Error is not null);
                finished.Error?.WriteTo(writer);
                break;
            case ExitWorker exit:
                writer.WriteByte(ExitWorkerTag);
                writer.WriteInt32(exit.ExitCode);
                break;
            default:
                throw new ArgumentException($"{nameof(WireSerializer)} cannot serialize {obj.GetType().FullName}.", nameof(obj));
        }
        return writer.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type? type)
    {
        var reader = new WireReader(bytes);
        var tag = reader.ReadByte();
        return tag switch
        {
            HelloTag => new WorkerHello(reader.ReadRequiredString(), reader.ReadInt32()),
            RunTargetTag => new RunTarget(reader.ReadRequiredString(), reader.ReadBytes()),
            TargetFinishedTag => new TargetFinished(reader.ReadBool() ? RemoteError.ReadFrom(reader) : null),
            ExitWorkerTag => new ExitWorker(reader.ReadInt32()),
            _ => throw new WireFormatException($"Unknown ActorParallel message tag {tag}."),
        };
    }
}
