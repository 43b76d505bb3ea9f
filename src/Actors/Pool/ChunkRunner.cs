using ActorParallel.Wire;

namespace ActorParallel.Pooling;

/// <summary>
/// Runs a map's function over the items of a chunk with a direct typed call (no reflection per
/// item): the function is a <c>Func&lt;TIn, TOut&gt;</c> and a chunk's items arrive as <c>TIn[]</c>.
/// </summary>
internal abstract class ChunkRunner
{
    public static ChunkRunner Create(Delegate function)
    {
        var type = function.GetType();
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Func<,>))
        {
            throw new WireFormatException($"A map function must be a Func<TIn, TOut>, not {type.Name}.");
        }
        var runner = typeof(ChunkRunner<,>).MakeGenericType(type.GetGenericArguments());
        return (ChunkRunner)Activator.CreateInstance(runner, function)!;
    }

    /// <summary>
    /// Decodes the items, runs the function on each and encodes the results in as many segments as it
    /// takes for each to stay under <paramref name="maxBytes"/>, appending them to <paramref name="output"/>.
    /// </summary>
    /// <exception cref="ChunkItemException">The function threw on an item, or one result alone is too large.</exception>
    public abstract void Run(ChunkPayload chunk, int maxBytes, ICollection<ChunkPayload> output);
}

internal sealed class ChunkRunner<TIn, TOut> : ChunkRunner
{
    private readonly Func<TIn, TOut> _function;

    public ChunkRunner(Func<TIn, TOut> function) => _function = function;

    public override void Run(ChunkPayload chunk, int maxBytes, ICollection<ChunkPayload> output)
    {
        var inputs = ChunkCodec.DecodeItems<TIn>(chunk.Items);
        var results = new TOut[inputs.Length];
        var index = 0;
        try
        {
            for (; index < inputs.Length; index++)
            {
                results[index] = _function(inputs[index]);
            }
        }
        catch (Exception exception)
        {
            throw new ChunkItemException(index, exception);
        }
        EncodeSegments(chunk.Seq, results, 0, results.Length, maxBytes, output);
    }

    private static void EncodeSegments(int seq, TOut[] results, int offset, int count, int maxBytes, ICollection<ChunkPayload> output)
    {
        var bytes = ChunkCodec.EncodeItems(offset == 0 && count == results.Length ? results : results[offset..(offset + count)], "the results travelling back to the driver");
        if (bytes.Length <= maxBytes)
        {
            output.Add(new ChunkPayload(seq, offset, count, bytes));
            return;
        }
        if (count == 1)
        {
            throw new ChunkItemException(offset, new MessageTooLargeException(
                $"The result of this item encodes to {bytes.Length:N0} bytes; the largest message is {maxBytes:N0} bytes " +
                "(half of akka.remote.dot-netty.tcp.maximum-frame-size)."));
        }
        var half = count / 2;
        EncodeSegments(seq, results, offset, half, maxBytes, output);
        EncodeSegments(seq, results, offset + half, count - half, maxBytes, output);
    }
}

/// <summary>The function threw on item <see cref="ItemIndex"/> of a chunk (its message is not read here: a message getter may throw).</summary>
internal sealed class ChunkItemException(int itemIndex, Exception inner) : Exception($"Item {itemIndex} of the chunk failed.", inner)
{
    public int ItemIndex { get; } = itemIndex;
}

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

    public static byte[] EncodeItems<T>(T[] items, string what)
    {
        var writer = new WireWriter(16 + items.Length * 5);
        var exact = OfTheStaticTypeOnly(items);
        if (Typed<T>.Write is { } write && exact)
        {
            try
            {
                writer.WriteByte(TypedItems);
                writer.WriteCount(items.Length);
                foreach (var item in items)
                {
                    write(writer, item);
                }
                return writer.ToArray();
            }
            catch (TypedFormMismatchException mismatch)
            {
                // Inside an item: a property's or a tuple element's value of a derived type.
                throw mismatch.Refusal($"{what} of {typeof(T).Name}");
            }
        }
        // As one T[]; or item by item, each naming its type, when some item is of a type derived from T, or
        // when items travel by reference (delegates, shared handles), which only a single value's tag carries.
        ValueCodec.Write(writer, exact && !ByReference<T>.Value ? items : Array.ConvertAll(items, item => (object?)item), $"{what} (an array of {typeof(T).Name})");
        return writer.ToArray();
    }

    private static class ByReference<T>
    {
        public static readonly bool Value = typeof(Delegate).IsAssignableFrom(typeof(T)) || typeof(Shared.ISharedObject).IsAssignableFrom(typeof(T));
    }

    private static bool OfTheStaticTypeOnly<T>(T[] items) =>
        typeof(T).IsValueType || typeof(T).IsSealed || Array.TrueForAll(items, item => item is null || item.GetType() == typeof(T));

    public static T[] DecodeItems<T>(byte[] bytes)
    {
        if (bytes.Length > 0 && bytes[0] == TypedItems)
        {
            var read = Typed<T>.Read
                ?? throw new WireFormatException($"Chunk items arrived in the typed form, which {typeof(T).Name} has none of: the other side runs a different build.");
            var reader = new WireReader(bytes, 1, bytes.Length - 1);
            var items = new T[reader.ReadCount()];
            for (var index = 0; index < items.Length; index++)
            {
                items[index] = read(reader);
            }
            return items;
        }
        var decoded = ValueCodec.Decode(bytes);
        return decoded switch
        {
            T[] typed => typed,
            object?[] boxed => Array.ConvertAll(boxed, item => (T)item!),
            null => [],
            _ => throw new WireFormatException($"Chunk items decoded as {decoded.GetType().Name}, expected {typeof(T).Name}[]."),
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
