using System.Collections.Immutable;
using ActorParallel.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// Akka serializer for every <see cref="IWireMessage"/>: a one-byte message tag, then fields in a
/// compact little-endian layout. Registered in <c>hocon/actorparallel.conf</c>.
/// </summary>
internal sealed partial class WireSerializer : Serializer
{
    private const byte HelloTag = 1, RunTargetTag = 2, TargetFinishedTag = 3, ExitWorkerTag = 4,
        RunChunksTag = 5, ChunkResultsTag = 6, ChunkFailedTag = 7, AbandonMapTag = 8, RunInitializerTag = 9, InitializerFailedTag = 10,
        AppendValuesTag = 11, AppendedTag = 12, AddToValueTag = 13, AddedTag = 14, ReadListTag = 15, ListPageTag = 16,
        ReadValueTag = 17, ValueReadTag = 18, DeleteSharedTag = 19, SharedDeletedTag = 20,
        SetValueTag = 21, AcquireLockTag = 22, LockGrantedTag = 23, ReleaseLockTag = 24, LockReleasedTag = 25,
        WriteDictTag = 26, DictWrittenTag = 27, ReadDictTag = 28, DictPageTag = 29,
        PrepareToServeTag = 30, SharedCallTag = 42, SharedReplyTag = 43, PinComputeThreadTag = 44,
        ManagerDisposedTag = 45, EditListTag = 46, ListEditedTag = 47;

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
            case RunChunks run:
                writer.WriteByte(RunChunksTag);
                writer.WriteInt64(run.MapId);
                writer.WriteBytes(run.Function ?? []);
                WriteChunks(writer, run.Chunks);
                break;
            case ChunkResults results:
                writer.WriteByte(ChunkResultsTag);
                writer.WriteInt64(results.MapId);
                writer.WriteInt64(results.ComputeMicros);
                WriteChunks(writer, results.Results);
                break;
            case ChunkFailed failed:
                writer.WriteByte(ChunkFailedTag);
                writer.WriteInt64(failed.MapId);
                writer.WriteInt32(failed.Seq);
                writer.WriteInt32(failed.ItemIndex);
                failed.Error.WriteTo(writer);
                break;
            case AbandonMap abandon:
                writer.WriteByte(AbandonMapTag);
                writer.WriteInt64(abandon.MapId);
                break;
            case RunInitializer initializer:
                writer.WriteByte(RunInitializerTag);
                writer.WriteBytes(initializer.Call);
                break;
            case InitializerFailed initializerFailed:
                writer.WriteByte(InitializerFailedTag);
                initializerFailed.Error.WriteTo(writer);
                break;
            case AppendValues append:
                writer.WriteByte(AppendValuesTag);
                writer.WriteString(append.List);
                writer.WriteString(append.Writer);
                writer.WriteInt64(append.FirstSeq);
                WriteBlobs(writer, append.Values);
                break;
            case Appended appended:
                writer.WriteByte(AppendedTag);
                writer.WriteString(appended.List);
                writer.WriteString(appended.Writer);
                writer.WriteInt64(appended.NextSeq);
                break;
            case AddToValue add:
                writer.WriteByte(AddToValueTag);
                writer.WriteString(add.Name);
                writer.WriteString(add.Writer);
                writer.WriteInt64(add.Seq);
                writer.WriteInt64(add.Delta);
                writer.WriteDouble(add.FloatDelta);
                break;
            case Added added:
                writer.WriteByte(AddedTag);
                writer.WriteString(added.Name);
                writer.WriteString(added.Writer);
                writer.WriteInt64(added.Seq);
                break;
            case ReadList readList:
                writer.WriteByte(ReadListTag);
                writer.WriteString(readList.List);
                writer.WriteInt32(readList.From);
                break;
            case ListPage page:
                writer.WriteByte(ListPageTag);
                writer.WriteString(page.List);
                writer.WriteInt32(page.From);
                writer.WriteInt32(page.Total);
                WriteBlobs(writer, page.Values);
                break;
            case ReadValue readValue:
                writer.WriteByte(ReadValueTag);
                writer.WriteString(readValue.Name);
                break;
            case ValueRead valueRead:
                writer.WriteByte(ValueReadTag);
                writer.WriteString(valueRead.Name);
                writer.WriteInt64(valueRead.Sum);
                writer.WriteDouble(valueRead.FloatSum);
                break;
            case DeleteShared delete:
                writer.WriteByte(DeleteSharedTag);
                writer.WriteString(delete.Name);
                break;
            case SharedDeleted deleted:
                writer.WriteByte(SharedDeletedTag);
                writer.WriteString(deleted.Name);
                break;
            case SetValue set:
                writer.WriteByte(SetValueTag);
                writer.WriteString(set.Name);
                writer.WriteString(set.Writer);
                writer.WriteInt64(set.Seq);
                writer.WriteInt64(set.Value);
                writer.WriteDouble(set.FloatValue);
                break;
            case AcquireLock acquire:
                writer.WriteByte(AcquireLockTag);
                writer.WriteString(acquire.Name);
                writer.WriteString(acquire.Writer);
                writer.WriteInt64(acquire.RequestId);
                writer.WriteString(acquire.Address);
                break;
            case LockGranted granted:
                writer.WriteByte(LockGrantedTag);
                writer.WriteString(granted.Name);
                writer.WriteInt64(granted.RequestId);
                break;
            case ReleaseLock release:
                writer.WriteByte(ReleaseLockTag);
                writer.WriteString(release.Name);
                writer.WriteString(release.Writer);
                writer.WriteInt64(release.RequestId);
                break;
            case WriteDict write:
                writer.WriteByte(WriteDictTag);
                writer.WriteString(write.Name);
                writer.WriteBytes(write.Key);
                writer.WriteBool(write.Value is not null);
                writer.WriteBytes(write.Value ?? []);
                break;
            case DictWritten written:
                writer.WriteByte(DictWrittenTag);
                writer.WriteString(written.Name);
                writer.WriteBool(written.Existed);
                break;
            case ReadDict read:
                writer.WriteByte(ReadDictTag);
                writer.WriteString(read.Name);
                writer.WriteInt32(read.From);
                writer.WriteBool(read.Key is not null);
                writer.WriteBytes(read.Key ?? []);
                break;
            case DictPage page:
                writer.WriteByte(DictPageTag);
                writer.WriteString(page.Name);
                writer.WriteInt32(page.Total);
                WriteBlobs(writer, page.Keys);
                WriteBlobs(writer, page.Values);
                break;
            case PrepareToServe:
                writer.WriteByte(PrepareToServeTag);
                break;
            case PinComputeThread pin:
                writer.WriteByte(PinComputeThreadTag);
                writer.WriteInt32(pin.Cpu);
                break;
            case SharedCall call:
                writer.WriteByte(SharedCallTag);
                writer.WriteInt64(call.Id);
                writer.WriteString(call.Host);
                writer.WriteBytes(ToBinary(call.Request));
                writer.WriteInt64(call.Timeout == Timeout.InfiniteTimeSpan ? -1 : (long)call.Timeout.TotalMilliseconds);
                break;
            case SharedReply reply:
                writer.WriteByte(SharedReplyTag);
                writer.WriteInt64(reply.Id);
                writer.WriteBytes(reply.Reply is null ? [] : ToBinary(reply.Reply));
                writer.WriteString(reply.Error);
                writer.WriteBool(reply.TimedOut);
                break;
            case EditList edit:
                writer.WriteByte(EditListTag);
                writer.WriteString(edit.List);
                writer.WriteByte((byte)edit.Kind);
                writer.WriteInt32(edit.Index);
                writer.WriteBool(edit.Value is not null);
                writer.WriteBytes(edit.Value ?? []);
                break;
            case ListEdited edited:
                writer.WriteByte(ListEditedTag);
                writer.WriteString(edited.List);
                writer.WriteByte((byte)edited.Outcome);
                writer.WriteInt32(edited.Count);
                writer.WriteBool(edited.Value is not null);
                writer.WriteBytes(edited.Value ?? []);
                break;
            case ManagerDisposed disposed:
                writer.WriteByte(ManagerDisposedTag);
                writer.WriteString(disposed.Manager);
                writer.WriteString(disposed.Object);
                break;
            case LockReleased released:
                writer.WriteByte(LockReleasedTag);
                writer.WriteString(released.Name);
                writer.WriteInt64(released.RequestId);
                break;
            default:
                if (!TryWriteProcessMessage(writer, obj))
                {
                    throw new ArgumentException($"{nameof(WireSerializer)} cannot serialize {obj.GetType().FullName}.", nameof(obj));
                }
                break;
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
            RunChunksTag => ReadRunChunks(reader),
            ChunkResultsTag => new ChunkResults(reader.ReadInt64(), ComputeMicros: reader.ReadInt64(), Results: ReadChunks(reader)),
            ChunkFailedTag => new ChunkFailed(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), RemoteError.ReadFrom(reader)),
            AbandonMapTag => new AbandonMap(reader.ReadInt64()),
            RunInitializerTag => new RunInitializer(reader.ReadBytes()),
            InitializerFailedTag => new InitializerFailed(RemoteError.ReadFrom(reader)),
            AppendValuesTag => new AppendValues(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), ReadBlobs(reader)),
            AppendedTag => new Appended(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64()),
            AddToValueTag => new AddToValue(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadDouble()),
            AddedTag => new Added(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64()),
            ReadListTag => new ReadList(reader.ReadRequiredString(), reader.ReadInt32()),
            ListPageTag => new ListPage(reader.ReadRequiredString(), reader.ReadInt32(), reader.ReadInt32(), ReadBlobs(reader)),
            ReadValueTag => new ReadValue(reader.ReadRequiredString()),
            ValueReadTag => new ValueRead(reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadDouble()),
            DeleteSharedTag => new DeleteShared(reader.ReadRequiredString()),
            SharedDeletedTag => new SharedDeleted(reader.ReadRequiredString()),
            SetValueTag => new SetValue(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadDouble()),
            AcquireLockTag => new AcquireLock(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64(), reader.ReadRequiredString()),
            LockGrantedTag => new LockGranted(reader.ReadRequiredString(), reader.ReadInt64()),
            ReleaseLockTag => new ReleaseLock(reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadInt64()),
            LockReleasedTag => new LockReleased(reader.ReadRequiredString(), reader.ReadInt64()),
            WriteDictTag => ReadWriteDict(reader),
            DictWrittenTag => new DictWritten(reader.ReadRequiredString(), reader.ReadBool()),
            ReadDictTag => ReadReadDict(reader),
            DictPageTag => new DictPage(reader.ReadRequiredString(), reader.ReadInt32(), ReadBlobs(reader), ReadBlobs(reader)),
            PrepareToServeTag => PrepareToServe.Instance,
            PinComputeThreadTag => new PinComputeThread(reader.ReadInt32()),
            SharedCallTag => new SharedCall(reader.ReadInt64(), reader.ReadRequiredString(), FromBinary(reader.ReadBytes(), null), ReadTimeout(reader)),
            SharedReplyTag => ReadSharedReply(reader),
            EditListTag => new EditList(reader.ReadRequiredString(), (ListEditKind)reader.ReadByte(), reader.ReadInt32(), ReadOptionalBytes(reader)),
            ListEditedTag => new ListEdited(reader.ReadRequiredString(), (ListEditOutcome)reader.ReadByte(), reader.ReadInt32(), ReadOptionalBytes(reader)),
            ManagerDisposedTag => new ManagerDisposed(reader.ReadRequiredString(), reader.ReadRequiredString()),
            _ => ReadProcessMessage(tag, reader),
        };
    }

    private static byte[]? ReadOptionalBytes(WireReader reader)
    {
        var present = reader.ReadBool();
        var bytes = reader.ReadBytes();
        return present ? bytes : null;
    }

    private SharedReply ReadSharedReply(WireReader reader)
    {
        var id = reader.ReadInt64();
        var reply = reader.ReadBytes();
        return new SharedReply(id, reply.Length == 0 ? null : FromBinary(reply, null), reader.ReadString(), reader.ReadBool());
    }

    private static TimeSpan ReadTimeout(WireReader reader) =>
        reader.ReadInt64() is var milliseconds && milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);

    private static RunChunks ReadRunChunks(WireReader reader)
    {
        var mapId = reader.ReadInt64();
        var function = reader.ReadBytes();
        return new RunChunks(mapId, function.Length == 0 ? null : function, ReadChunks(reader));
    }

    private static void WriteChunks(WireWriter writer, ImmutableArray<ChunkPayload> chunks)
    {
        writer.WriteCount(chunks.Length);
        foreach (var chunk in chunks)
        {
            writer.WriteInt32(chunk.Seq);
            writer.WriteInt32(chunk.ItemOffset);
            writer.WriteInt32(chunk.ItemCount);
            writer.WriteBytes(chunk.Items);
        }
    }

    private static ImmutableArray<ChunkPayload> ReadChunks(WireReader reader)
    {
        var count = reader.ReadCount();
        var chunks = ImmutableArray.CreateBuilder<ChunkPayload>(count);
        for (var index = 0; index < count; index++)
        {
            chunks.Add(new ChunkPayload(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBytes()));
        }
        return chunks.MoveToImmutable();
    }

    private static WriteDict ReadWriteDict(WireReader reader)
    {
        var name = reader.ReadRequiredString();
        var key = reader.ReadBytes();
        var hasValue = reader.ReadBool();
        var value = reader.ReadBytes();
        return new WriteDict(name, key, hasValue ? value : null);
    }

    private static ReadDict ReadReadDict(WireReader reader)
    {
        var name = reader.ReadRequiredString();
        var from = reader.ReadInt32();
        var hasKey = reader.ReadBool();
        var key = reader.ReadBytes();
        return new ReadDict(name, from, hasKey ? key : null);
    }

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
