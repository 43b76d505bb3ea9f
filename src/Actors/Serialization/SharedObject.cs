using System.Collections.Concurrent;
using System.Reflection;

namespace ActorParallel.Serialization;

/// <summary>
/// What every shared handle is: a small reference (kind, host, name, element type) that travels to
/// other processes by value and works there through that process's shared-state client (<c>Worker/SharedState/SharedStateNode</c>).
/// </summary>
internal interface ISharedObject
{
    void WriteHandle(WireWriter writer);
}

/// <summary>A handle to shared memory (<c>src/Actors/Memory</c>): it travels on its own, never inside a value MessagePack would write.</summary>
internal interface ILocalMemoryHandle : ISharedObject
{
}

/// <summary>Encodes and decodes shared handles for <see cref="ValueCodec"/>.</summary>
internal static class SharedObjects
{
    public const byte ListKind = 1, ValueKind = 2, LockKind = 3, DictKind = 4, ArrayKind = 5, NamespaceKind = 6;

    /// <summary>Shared memory (<c>src/Actors/Memory</c>): the name is the block's locator, the host empty.</summary>
    public const byte MemoryKind = 7, RawArrayKind = 8, SynchronizedArrayKind = 9, RawValueKind = 10, SynchronizedValueKind = 11, MemoryLockKind = 12;
    /// <summary>Queues, pipes and synchronization primitives: 20-39, clear of other kinds that may come.</summary>
    public const byte QueueKind = 20, JoinableQueueKind = 21, SimpleQueueKind = 22, PipeKind = 23,
        EventKind = 24, SemaphoreKind = 25, BarrierKind = 26, RLockKind = 27, ConditionKind = 28;

    private static readonly ConcurrentDictionary<Type, Func<WireReader, string, string, object>> Readers = new();

    public static void WriteHeader(WireWriter writer, byte kind, string host, string name, Type elementType)
    {
        writer.WriteByte(kind);
        writer.WriteString(host);
        writer.WriteString(name);
        TypeNames.Write(writer, elementType);
    }

    public static object Read(WireReader reader)
    {
        var kind = reader.ReadByte();
        var host = reader.ReadRequiredString();
        var name = reader.ReadRequiredString();
        var elementType = TypeNames.Read(reader);
        var handleType = kind switch
        {
            ListKind => typeof(SharedList<>).MakeGenericType(elementType),
            ValueKind => typeof(SharedValue<>).MakeGenericType(elementType),
            LockKind => typeof(SharedLock),
            DictKind => typeof(SharedDict<,>).MakeGenericType(elementType.GetGenericArguments()),
            ArrayKind => typeof(SharedArray<>).MakeGenericType(elementType),
            NamespaceKind => typeof(SharedNamespace),
            MemoryKind => typeof(SharedMemory),
            RawArrayKind => typeof(RawArray<>).MakeGenericType(elementType),
            SynchronizedArrayKind => typeof(SynchronizedArray<>).MakeGenericType(elementType),
            RawValueKind => typeof(RawValue<>).MakeGenericType(elementType),
            SynchronizedValueKind => typeof(SynchronizedValue<>).MakeGenericType(elementType),
            MemoryLockKind => typeof(SharedMemoryLock),
            QueueKind => typeof(SharedQueue<>).MakeGenericType(elementType),
            JoinableQueueKind => typeof(SharedJoinableQueue<>).MakeGenericType(elementType),
            SimpleQueueKind => typeof(SharedSimpleQueue<>).MakeGenericType(elementType),
            PipeKind => typeof(PipeConnection),
            EventKind => typeof(SharedEvent),
            SemaphoreKind => typeof(SharedSemaphore),
            BarrierKind => typeof(SharedBarrier),
            RLockKind => typeof(SharedRLock),
            ConditionKind => typeof(SharedCondition),
            _ => throw new WireFormatException($"Unknown shared object kind {kind}."),
        };
        // Keyed by the handle's type (not by kind and element): no value-tuple key for a starting worker to JIT-compile.
        var read = Readers.GetOrAdd(handleType, static type =>
            type.GetMethod("ReadHandle", BindingFlags.Static | BindingFlags.NonPublic)!.CreateDelegate<Func<WireReader, string, string, object>>());
        return read(reader, host, name);
    }
}
