using System.Collections.Concurrent;
using System.Reflection;
using ActorParallel.Wire;

namespace ActorParallel.Shared;

/// <summary>
/// What every shared handle is: a small reference (kind, host, name, element type) that travels to
/// other processes by value and works there through that process's <see cref="SharedStateNode"/>.
/// </summary>
internal interface ISharedObject
{
    void WriteHandle(WireWriter writer);
}

/// <summary>Encodes and decodes shared handles for <see cref="ValueCodec"/>.</summary>
internal static class SharedObjects
{
    public const byte ListKind = 1, ValueKind = 2, LockKind = 3, DictKind = 4, ArrayKind = 5;

    private static readonly ConcurrentDictionary<(byte Kind, Type Element), Func<WireReader, string, string, object>> Readers = new();

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
        var read = Readers.GetOrAdd((kind, elementType), static key =>
        {
            var handleType = key.Kind switch
            {
                ListKind => typeof(SharedList<>).MakeGenericType(key.Element),
                ValueKind => typeof(SharedValue<>).MakeGenericType(key.Element),
                LockKind => typeof(SharedLock),
                DictKind => typeof(SharedDict<,>).MakeGenericType(key.Element.GetGenericArguments()),
                ArrayKind => typeof(SharedArray<>).MakeGenericType(key.Element),
                _ => throw new WireFormatException($"Unknown shared object kind {key.Kind}."),
            };
            var method = handleType.GetMethod("ReadHandle", BindingFlags.Static | BindingFlags.NonPublic)!;
            return method.CreateDelegate<Func<WireReader, string, string, object>>();
        });
        return read(reader, host, name);
    }
}
