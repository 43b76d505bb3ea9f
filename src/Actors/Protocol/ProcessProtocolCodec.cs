using System.Runtime.InteropServices;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// The process supervisor's protocol on the wire, so that a supervisor in another process (a Host
/// node's) can be driven with the same messages as a local one.
/// </summary>
internal sealed class ProcessProtocolCodec : ProtocolCodec
{
    private const byte StartProcessTag = 31, ProcessStartedTag = 32, ProcessStartFailedTag = 33, JoinProcessTag = 34,
        TerminateProcessTag = 35, KillProcessTag = 36, ProcessExitedTag = 37, ProcessNotFoundTag = 38,
        ListProcessesTag = 39, RunningProcessesTag = 40, WorkerReadyTag = 41;

    public override IReadOnlyCollection<byte> Tags { get; } =
    [
        StartProcessTag, ProcessStartedTag, ProcessStartFailedTag, JoinProcessTag, TerminateProcessTag, KillProcessTag,
        ProcessExitedTag, ProcessNotFoundTag, ListProcessesTag, RunningProcessesTag, WorkerReadyTag,
    ];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case StartProcess start:
                writer.WriteByte(StartProcessTag);
                writer.WriteInt64(start.Spec.Id);
                writer.WriteString(start.Spec.Name);
                writer.WriteBytes(start.Spec.Call.AsSpan());
                WriteBlocks(writer, start.Spec.Blocks);
                return true;
            case ProcessStarted started:
                writer.WriteByte(ProcessStartedTag);
                writer.WriteInt64(started.ProcessId);
                writer.WriteInt32(started.Pid);
                return true;
            case ProcessStartFailed failed:
                writer.WriteByte(ProcessStartFailedTag);
                writer.WriteInt64(failed.ProcessId);
                writer.WriteString(failed.Reason);
                return true;
            case JoinProcess join:
                WriteId(writer, JoinProcessTag, join.ProcessId);
                return true;
            case TerminateProcess terminate:
                WriteId(writer, TerminateProcessTag, terminate.ProcessId);
                return true;
            case KillProcess kill:
                WriteId(writer, KillProcessTag, kill.ProcessId);
                return true;
            case ProcessNotFound notFound:
                WriteId(writer, ProcessNotFoundTag, notFound.ProcessId);
                return true;
            case ProcessExited exited:
                writer.WriteByte(ProcessExitedTag);
                writer.WriteInt64(exited.ProcessId);
                writer.WriteInt32(exited.Pid);
                writer.WriteInt32(exited.ExitCode);
                writer.WriteBool(exited.Error is not null);
                exited.Error?.WriteTo(writer);
                WriteCause(writer, exited.Cause);
                return true;
            case ListProcesses:
                writer.WriteByte(ListProcessesTag);
                return true;
            case RunningProcesses running:
                writer.WriteByte(RunningProcessesTag);
                writer.WriteCount(running.ProcessIds.Length);
                foreach (var id in running.ProcessIds)
                {
                    writer.WriteInt64(id);
                }
                return true;
            case WorkerReady ready:
                writer.WriteByte(WorkerReadyTag);
                writer.WriteInt64(ready.ProcessId);
                writer.WriteInt32(ready.Pid);
                writer.WriteString(Akka.Serialization.Serialization.SerializedActorPath(ready.Worker));
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
        StartProcessTag => new StartProcess(new ProcessSpec(reader.ReadInt64(), reader.ReadRequiredString(), ImmutableCollectionsMarshal.AsImmutableArray(reader.ReadBytes())) { Blocks = ReadBlocks(reader) }),
        ProcessStartedTag => new ProcessStarted(reader.ReadInt64(), reader.ReadInt32()),
        ProcessStartFailedTag => new ProcessStartFailed(reader.ReadInt64(), reader.ReadRequiredString()),
        JoinProcessTag => new JoinProcess(reader.ReadInt64()),
        TerminateProcessTag => new TerminateProcess(reader.ReadInt64()),
        KillProcessTag => new KillProcess(reader.ReadInt64()),
        ProcessNotFoundTag => new ProcessNotFound(reader.ReadInt64()),
        ProcessExitedTag => new ProcessExited(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBool() ? RemoteError.ReadFrom(reader) : null) { Cause = ReadCause(reader) },
        ListProcessesTag => ListProcesses.Instance,
        RunningProcessesTag => new RunningProcesses([.. Enumerable.Range(0, reader.ReadCount()).Select(_ => reader.ReadInt64())]),
        WorkerReadyTag => new WorkerReady(reader.ReadInt64(), reader.ReadInt32(), wire.ResolveActorRef(reader.ReadRequiredString())),
        _ => throw Unknown(tag),
    };

    /// <summary>A Host node's worker dies there: its cause, stderr lines included, travels to the driver with its exit.</summary>
    private static void WriteCause(WireWriter writer, WorkerExitCause? cause)
    {
        writer.WriteBool(cause is not null);
        if (cause is null)
        {
            return;
        }
        writer.WriteByte((byte)cause.Kind);
        writer.WriteInt32(cause.ExitCode);
        writer.WriteString(cause.Message);
        writer.WriteString(cause.Detail);
        writer.WriteCount(cause.StderrTail.Length);
        foreach (var line in cause.StderrTail)
        {
            writer.WriteString(line);
        }
    }

    private static WorkerExitCause? ReadCause(WireReader reader)
    {
        if (!reader.ReadBool())
        {
            return null;
        }
        var kind = reader.ReadByte();
        if (!Enum.IsDefined((WorkerExitKind)kind))
        {
            throw new WireFormatException($"Unknown worker exit kind {kind}: the other side runs a different build.");
        }
        return new WorkerExitCause((WorkerExitKind)kind, reader.ReadInt32(), reader.ReadRequiredString())
        {
            Detail = reader.ReadString(),
            StderrTail = [.. Enumerable.Range(0, reader.ReadCount()).Select(_ => reader.ReadRequiredString())],
        };
    }

    private static void WriteId(WireWriter writer, byte tag, long processId)
    {
        writer.WriteByte(tag);
        writer.WriteInt64(processId);
    }
}
