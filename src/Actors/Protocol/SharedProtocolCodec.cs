using System.Collections.Immutable;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>The shared-state protocol on the wire: proxies' requests to a Manager's server and its replies, and their passage over a direct link.</summary>
internal sealed class SharedProtocolCodec : ProtocolCodec
{
    private const byte AppendValuesTag = 11, AppendedTag = 12, AddToValueTag = 13, AddedTag = 14, ReadListTag = 15,
        ListPageTag = 16, ReadValueTag = 17, ValueReadTag = 18, DeleteSharedTag = 19, SharedDeletedTag = 20,
        SetValueTag = 21, AcquireLockTag = 22, LockGrantedTag = 23, ReleaseLockTag = 24,
        LockReleasedTag = 25, WriteDictTag = 26, DictWrittenTag = 27, ReadDictTag = 28, DictPageTag = 29,
        SharedCallTag = 42, SharedReplyTag = 43, EditListTag = 46, ListEditedTag = 47,
        ManagerDisposedTag = 45;

    public override IReadOnlyCollection<byte> Tags { get; } =
    [
        AppendValuesTag, AppendedTag, AddToValueTag, AddedTag, ReadListTag, ListPageTag, ReadValueTag,
        ValueReadTag, DeleteSharedTag, SharedDeletedTag, SetValueTag, AcquireLockTag, LockGrantedTag,
        ReleaseLockTag, LockReleasedTag, WriteDictTag, DictWrittenTag, ReadDictTag, DictPageTag,
        SharedCallTag, SharedReplyTag, EditListTag, ListEditedTag, ManagerDisposedTag,
    ];

    public override bool TryWrite(WireWriter writer, object message, WireSerializer wire)
    {
        switch (message)
        {
            case AppendValues append:
                writer.WriteByte(AppendValuesTag);
                writer.WriteString(append.List);
                writer.WriteString(append.Writer);
                writer.WriteInt64(append.FirstSeq);
                WriteBlobs(writer, append.Values);
                return true;
            case Appended appended:
                writer.WriteByte(AppendedTag);
                writer.WriteString(appended.List);
                writer.WriteString(appended.Writer);
                writer.WriteInt64(appended.NextSeq);
                return true;
            case AddToValue add:
                writer.WriteByte(AddToValueTag);
                writer.WriteString(add.Name);
                writer.WriteString(add.Writer);
                writer.WriteInt64(add.Seq);
                writer.WriteInt64(add.Delta);
                writer.WriteDouble(add.FloatDelta);
                return true;
            case Added added:
                writer.WriteByte(AddedTag);
                writer.WriteString(added.Name);
                writer.WriteString(added.Writer);
                writer.WriteInt64(added.Seq);
                return true;
            case ReadList readList:
                writer.WriteByte(ReadListTag);
                writer.WriteString(readList.List);
                writer.WriteInt32(readList.From);
                return true;
            case ListPage page:
                writer.WriteByte(ListPageTag);
                writer.WriteString(page.List);
                writer.WriteInt32(page.From);
                writer.WriteInt32(page.Total);
                WriteBlobs(writer, page.Values);
                return true;
            case ReadValue readValue:
                writer.WriteByte(ReadValueTag);
                writer.WriteString(readValue.Name);
                return true;
            case ValueRead valueRead:
                writer.WriteByte(ValueReadTag);
                writer.WriteString(valueRead.Name);
                writer.WriteInt64(valueRead.Sum);
                writer.WriteDouble(valueRead.FloatSum);
                return true;
            case DeleteShared delete:
                writer.WriteByte(DeleteSharedTag);
                writer.WriteString(delete.Name);
                return true;
            case SharedDeleted deleted:
                writer.WriteByte(SharedDeletedTag);
                writer.WriteString(deleted.Name);
                return true;
            case SetValue set:
                writer.WriteByte(SetValueTag);
                writer.WriteString(set.Name);
                writer.WriteString(set.Writer);
                writer.WriteInt64(set.Seq);
                writer.WriteInt64(set.Value);
                writer.WriteDouble(set.FloatValue);
                return true;
            case AcquireLock acquire:
                writer.WriteByte(AcquireLockTag);
                writer.WriteString(acquire.Name);
                writer.WriteString(acquire.Writer);
                writer.WriteInt64(acquire.RequestId);
                writer.WriteString(acquire.Address);
                return true;
            case LockGranted granted:
                writer.WriteByte(LockGrantedTag);
                writer.WriteString(granted.Name);
                writer.WriteInt64(granted.RequestId);
                return true;
            case ReleaseLock release:
                writer.WriteByte(ReleaseLockTag);
                writer.WriteString(release.Name);
                writer.WriteString(release.Writer);
                writer.WriteInt64(release.RequestId);
                return true;
            case WriteDict write:
                writer.WriteByte(WriteDictTag);
                writer.WriteString(write.Name);
                writer.WriteBytes(write.Key);
                writer.WriteBool(write.Value is not null);
                writer.WriteBytes(write.Value ?? []);
                return true;
            case DictWritten written:
                writer.WriteByte(DictWrittenTag);
                writer.WriteString(written.Name);
                writer.WriteBool(written.Existed);
                return true;
            case ReadDict read:
                writer.WriteByte(ReadDictTag);
                writer.WriteString(read.Name);
                writer.WriteInt32(read.From);
                writer.WriteBool(read.Key is not null);
                writer.WriteBytes(read.Key ?? []);
                return true;
            case DictPage page:
                writer.WriteByte(DictPageTag);
                writer.WriteString(page.Name);
                writer.WriteInt32(page.Total);
                WriteBlobs(writer, page.Keys);
                WriteBlobs(writer, page.Values);
                return true;
            case SharedCall call:
                writer.WriteByte(SharedCallTag);
                writer.WriteInt64(call.Id);
                writer.WriteString(call.Host);
                writer.WriteBytes(wire.ToBinary(call.Request));
                writer.WriteInt64(call.Timeout == Timeout.InfiniteTimeSpan ? -1 : (long)call.Timeout.TotalMilliseconds);
                return true;
            case SharedReply reply:
                writer.WriteByte(SharedReplyTag);
                writer.WriteInt64(reply.Id);
                writer.WriteBytes(reply.Reply is null ? [] : wire.ToBinary(reply.Reply));
                writer.WriteString(reply.Error);
                writer.WriteBool(reply.TimedOut);
                return true;
            case EditList edit:
                writer.WriteByte(EditListTag);
                writer.WriteString(edit.List);
                writer.WriteByte((byte)edit.Kind);
                writer.WriteInt32(edit.Index);
                writer.WriteBool(edit.Value is not null);
                writer.WriteBytes(edit.Value ?? []);
                return true;
            case ListEdited edited:
                writer.WriteByte(ListEditedTag);
                writer.WriteString(edited.List);
                writer.WriteByte((byte)edited.Outcome);
                writer.WriteInt32(edited.Count);
                writer.WriteBool(edited.Value is not null);
                writer.WriteBytes(edited.Value ?? []);
                return true;
            case ManagerDisposed disposed:
                writer.WriteByte(ManagerDisposedTag);
                writer.WriteString(disposed.Manager);
                writer.WriteString(disposed.Object);
                return true;
            case LockReleased released:
                writer.WriteByte(LockReleasedTag);
                writer.WriteString(released.Name);
                writer.WriteInt64(released.RequestId);
                return true;
            default:
                return false;
        }
    }

    public override object Read(byte tag, WireReader reader, WireSerializer wire) => tag switch
    {
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
        SharedCallTag => new SharedCall(reader.ReadInt64(), reader.ReadRequiredString(), wire.FromBinary(reader.ReadBytes(), null), ReadTimeout(reader)),
        SharedReplyTag => ReadSharedReply(reader, wire),
        EditListTag => new EditList(reader.ReadRequiredString(), (ListEditKind)reader.ReadByte(), reader.ReadInt32(), ReadOptionalBytes(reader)),
        ListEditedTag => new ListEdited(reader.ReadRequiredString(), (ListEditOutcome)reader.ReadByte(), reader.ReadInt32(), ReadOptionalBytes(reader)),
        ManagerDisposedTag => new ManagerDisposed(reader.ReadRequiredString(), reader.ReadRequiredString()),
        _ => throw Unknown(tag),
    };

    private static byte[]? ReadOptionalBytes(WireReader reader)
    {
        var present = reader.ReadBool();
        var bytes = reader.ReadBytes();
        return present ? bytes : null;
    }

    private static SharedReply ReadSharedReply(WireReader reader, WireSerializer wire)
    {
        var id = reader.ReadInt64();
        var reply = reader.ReadBytes();
        return new SharedReply(id, reply.Length == 0 ? null : wire.FromBinary(reply, null), reader.ReadString(), reader.ReadBool());
    }

    private static TimeSpan ReadTimeout(WireReader reader) =>
        reader.ReadInt64() is var milliseconds && milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);

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
