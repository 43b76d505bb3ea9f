using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// Encodes a chunk's items or results. Types with a <see cref="TypedCodec{T}"/> that
/// <see cref="ValueCodec"/> has no raw form for (tuples, arrays of arrays, bool, float...) go item
/// by item with it, untagged, since both ends know the type; the rest go as one value of
/// <see cref="ValueCodec"/> (raw memory for int, long and double arrays).
/// </summary>
internal static class ChunkCodec
{
    /// <summary>The first byte of items in the typed form; no <see cref="ValueCodec"/> tag has it.</summary>
    private const byte TypedItems = 0xF0;

    /// <summary>
    /// The items, with their large arrays of primitives out of band (referenced, not copied). Errors about
    /// one item name it by <paramref name="itemName"/> (its index), errors about their type by <paramref name="what"/>.
    /// </summary>
    /// <exception cref="NotShippableException">An item cannot travel.</exception>
    public static Encoded EncodeItems<T>(T[] items, string what, Func<int, string>? itemName = null)
    {
        var writer = new WireWriter(16 + items.Length * 5, collectBlocks: true);
        var exact = OfTheStaticTypeOnly(items);
        if (Typed<T>.Write is { } write && exact)
        {
            var index = 0;
            try
            {
                writer.WriteByte(TypedItems);
                writer.WriteCount(items.Length);
                for (; index < items.Length; index++)
                {
                    write(writer, items[index]);
                }
                return writer.ToEncoded();
            }
            catch (TypedFormRefusalException refused)
            {
                // Inside an item: a property's or a tuple element's value of a derived type, a getter that threw.
                throw refused.Refusal(itemName?.Invoke(index) ?? what);
            }
        }
        // As one T[]; or item by item, each naming its type, when some item is of a type derived from T, or
        // when items travel by reference (delegates, shared handles), which only a single value's tag carries.
        if (exact && !ByReference<T>.Value)
        {
            ValueCodec.Write(writer, items, what);
        }
        else
        {
            WriteEach(writer, items, itemName ?? (index => $"element {index} of {what}"));
        }
        return writer.ToEncoded();
    }

    /// <summary>
    /// Writes <paramref name="items"/> as an <c>object[]</c> is written (each element tagged with its own
    /// type), naming each element by <paramref name="name"/> in errors ("item 5 of the map").
    /// </summary>
    private static void WriteEach<T>(WireWriter writer, T[] items, Func<int, string> name)
    {
        if (!WireDepth.TryEnter())
        {
            throw WireDepth.TooDeep(name(0), typeof(T[]), null);
        }
        try
        {
            ValueCodec.WriteObjectArrayHeader(writer, items.Length);
            for (var index = 0; index < items.Length; index++)
            {
                ValueCodec.Write(writer, items[index], name(index));
            }
        }
        finally
        {
            WireDepth.Exit();
        }
    }

    private static class ByReference<T>
    {
        public static readonly bool Value = typeof(Delegate).IsAssignableFrom(typeof(T)) || typeof(Serialization.ISharedObject).IsAssignableFrom(typeof(T));
    }

    private static bool OfTheStaticTypeOnly<T>(T[] items) =>
        typeof(T).IsValueType || typeof(T).IsSealed || Array.TrueForAll(items, item => item is null || item.GetType() == typeof(T));

    public static T[] DecodeItems<T>(Encoded encoded)
    {
        var bytes = encoded.Bytes;
        if (bytes.Length > 0 && bytes[0] == TypedItems)
        {
            var read = Typed<T>.Read
                ?? throw new WireFormatException($"Chunk items arrived in the typed form, which {Serialization.TypeNames.Readable(typeof(T))} has none of: the other side runs a different build.");
            var reader = new WireReader(bytes, 1, bytes.Length - 1, encoded.Blocks);
            var items = new T[reader.ReadCount()];
            for (var index = 0; index < items.Length; index++)
            {
                items[index] = read(reader);
            }
            return items;
        }
        var decoded = ValueCodec.Read(new WireReader(encoded));
        return decoded switch
        {
            T[] typed => typed,
            object?[] boxed => Array.ConvertAll(boxed, item => (T)item!),
            null => [],
            _ => throw new WireFormatException($"Chunk items decoded as {decoded.GetType().Name}, expected {Serialization.TypeNames.Readable(typeof(T))}[]."),
        };
    }

    /// <summary>The typed codec of <typeparamref name="T"/>, unless <see cref="ValueCodec"/> already sends its arrays as raw memory or one tag.</summary>
    private static class Typed<T>
    {
        private static readonly bool Use = typeof(T) != typeof(int) && typeof(T) != typeof(long) && typeof(T) != typeof(double)
            && typeof(T) != typeof(byte) && typeof(T) != typeof(string);

        public static readonly Action<WireWriter, T>? Write = Use ? TypedCodec<T>.Write : null;

        public static readonly Func<WireReader, T>? Read = Use ? TypedCodec<T>.Read : null;
    }
}
