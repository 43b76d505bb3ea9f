using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorParallel.Serialization;

/// <summary>
/// Encoded values: their bytes, and the large arrays of unmanaged elements (<see cref="WireWriter.WriteArray{T}"/>)
/// that travel beside those bytes rather than copied into them, as Python's pickle protocol 5 keeps
/// large buffers out of band (PEP 574). The arrays are the caller's own, referenced, not copied: the
/// direct link writes them to the socket from where they are, and the receiver reads each straight
/// into the array it hands to the decoder.
/// </summary>
/// <param name="Bytes">The encoded bytes; an out-of-band array appears in them as its index in <paramref name="Blocks"/>.</param>
/// <param name="Blocks">The out-of-band arrays, each a one-dimensional array of a <see cref="WireBlocks"/> element type.</param>
internal readonly record struct Encoded(byte[] Bytes, Array[] Blocks)
{
    /// <summary>Bytes with nothing out of band.</summary>
    public static implicit operator Encoded(byte[] bytes) => new(bytes, []);

    /// <summary>The bytes and every block's, as they travel.</summary>
    public long Size
    {
        get
        {
            long size = Bytes.Length;
            foreach (var block in Blocks)
            {
                size += WireBlocks.ByteLength(block);
            }
            return size;
        }
    }
}

/// <summary>The arrays that may travel out of band, and their wire kinds.</summary>
internal static class WireBlocks
{
    /// <summary>Arrays at least this large (in bytes) travel out of band when the writer collects blocks; smaller ones are copied in.</summary>
    public const int MinOutOfBandBytes = 32 * 1024;

    public const byte Bytes = 1, Int16s = 2, Chars = 3, Int32s = 4, Int64s = 5, Singles = 6, Doubles = 7;

    /// <summary>The wire kind of an array's element type; 0 for one that cannot travel out of band.</summary>
    public static byte KindOf(Array array) => array switch
    {
        byte[] => Bytes,
        short[] => Int16s,
        char[] => Chars,
        int[] => Int32s,
        long[] => Int64s,
        float[] => Singles,
        double[] => Doubles,
        _ => 0,
    };

    public static long ByteLength(Array array) => (long)array.Length * ElementSize(KindOf(array));

    public static int ElementSize(byte kind) => kind switch
    {
        Bytes => 1,
        Int16s or Chars => 2,
        Int32s or Singles => 4,
        Int64s or Doubles => 8,
        _ => throw new WireFormatException($"Unknown array kind {kind} on the wire."),
    };

    /// <summary>
    /// A new array of <paramref name="kind"/> and <paramref name="length"/> elements, not zeroed (it is
    /// about to be filled), its pages made present at once when it is large (<see cref="Memory.Prefault"/>).
    /// </summary>
    public static Array Allocate(byte kind, int length)
    {
        var array = AllocateUninitialized(kind, length);
        Memory.Prefault.Populate(array, ByteLength(array));
        return array;
    }

    private static Array AllocateUninitialized(byte kind, int length) => kind switch
    {
        Bytes => GC.AllocateUninitializedArray<byte>(length),
        Int16s => GC.AllocateUninitializedArray<short>(length),
        Chars => GC.AllocateUninitializedArray<char>(length),
        Int32s => GC.AllocateUninitializedArray<int>(length),
        Int64s => GC.AllocateUninitializedArray<long>(length),
        Singles => GC.AllocateUninitializedArray<float>(length),
        Doubles => GC.AllocateUninitializedArray<double>(length),
        _ => throw new WireFormatException($"Unknown array kind {kind} on the wire."),
    };

    /// <summary>
    /// <paramref name="count"/> bytes of the array's memory from byte <paramref name="offset"/> (an
    /// array may hold more than a span can: it is read and written a window at a time).
    /// </summary>
    public static Span<byte> Window(Array array, long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > ByteLength(array))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + count} are outside the array.");
        }
        return MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref MemoryMarshal.GetArrayDataReference(array), (nint)offset), count);
    }
}
