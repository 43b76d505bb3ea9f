using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>The worker protocol on the wire: a worker's hello, a process target and how it ended, the order to exit.</summary>
internal sealed class WorkerProtocolCodec : ProtocolCodec
{
    private const byte HelloTag = 1, RunTargetTag = 2, TargetFinishedTag = 3, ExitWorkerTag = 4;

    public override IReadOnlyCollection<byte> Tags { get; } =
    [
        HelloTag, RunTargetTag, TargetFinishedTag, ExitWorkerTag,
    ];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case WorkerHello hello:
                writer.WriteByte(HelloTag);
                writer.WriteString(hello.Address);
                writer.WriteInt32(hello.Pid);
                return true;
            case RunTarget run:
                writer.WriteByte(RunTargetTag);
                writer.WriteString(run.ProcessName);
                writer.WriteBytes(run.Call.Bytes);
                WriteBlocks(writer, run.Call.Blocks);
                return true;
            case TargetFinished finished:
                writer.WriteByte(TargetFinishedTag);
                writer.WriteBool(finished.Error is not null);
                finished.Error?.WriteTo(writer);
                return true;
            case ExitWorker exit:
                writer.WriteByte(ExitWorkerTag);
                writer.WriteInt32(exit.ExitCode);
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        HelloTag => new WorkerHello(reader.ReadRequiredString(), reader.ReadInt32()),
        RunTargetTag => new RunTarget(reader.ReadRequiredString(), new Encoded(reader.ReadBytes(), ReadBlocks(reader))),
        TargetFinishedTag => new TargetFinished(reader.ReadBool() ? RemoteError.ReadFrom(reader) : null),
        ExitWorkerTag => new ExitWorker(reader.ReadInt32()),
        _ => throw Unknown(tag),
    };
}
