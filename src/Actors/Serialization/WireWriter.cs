using System.Buffers.Binary;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorParallel.Serialization;

/// <summary>A growable little-endian byte buffer for the wire format; not thread-safe.</summary>
internal sealed class WireWriter : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;
    private readonly List<Array>? _blocks;

    /// <param name="capacity">The initial buffer size in bytes.</param>
    /// <param name="collectBlocks">
    /// Whether large arrays go out of band (<see cref="Blocks"/>) rather than into the bytes: for what
    /// travels as <see cref="Encoded"/> or over the direct link; not for what Akka serializes into one buffer.
    /// </param>
    public WireWriter(int capacity = 256, bool collectBlocks = false)
    {
        _buffer = new byte[capacity];
        _blocks = collectBlocks ? [] : null;
    }

    public int Length => _length;

    /// <summary>The arrays written out of band, in the order of their indices; empty when the writer does not collect them.</summary>
    public IReadOnlyList<Array> Blocks => (IReadOnlyList<Array>?)_blocks ?? [];

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>
    /// What was written, as <see cref="ToArray"/>, but without a copy when the buffer is exactly full (a
    /// writer sized for its message up front); the writer must not be used afterwards.
    /// </summary>
    public byte[] DetachArray() => _length == _buffer.Length ? _buffer : ToArray();

    /// <summary>What was written, with the out-of-band arrays.</summary>
    public Encoded ToEncoded() => new(ToArray(), _blocks is { Count: > 0 } ? [.. _blocks] : []);

    /// <summary>The bytes written so far, without a copy (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>The bytes written so far, without a copy (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>
    /// Writes an array of unmanaged elements: a byte 0, the count and its raw memory; or, when the writer
    /// collects blocks and the array has at least <see cref="WireBlocks.MinOutOfBandBytes"/>, a byte 1 and its
    /// index among <see cref="Blocks"/> (the array itself is kept by reference, not copied).
    /// </summary>
    public void WriteArray<T>(T[] array)
        where T : unmanaged
    {
        if (_blocks is not null && (long)array.Length * Unsafe.SizeOf<T>() >= WireBlocks.MinOutOfBandBytes)
        {
            WriteByte(1);
            WriteCount(_blocks.Count);
            _blocks.Add(array);
            return;
        }
        WriteByte(0);
        WriteCount(array.Length);
        WriteRaw(MemoryMarshal.AsBytes(array.AsSpan()));
    }

    /// <summary>
    /// Writes an out-of-band array of an <see cref="Encoded"/> value into a message: by index when this writer
    /// collects blocks (the direct link), else inline as its kind, length and raw memory (Akka's one buffer).
    /// </summary>
    public void WriteBlock(Array array)
    {
        if (_blocks is not null)
        {
            WriteByte(1);
            _blocks.Add(array);
            return;
        }
        var kind = WireBlocks.KindOf(array);
        WriteByte(0);
        WriteByte(kind);
        WriteCount(array.Length);
        var total = WireBlocks.ByteLength(array);
        for (long offset = 0; offset < total;)
        {
            var count = (int)Math.Min(total - offset, 1 << 30);
            WriteRaw(WireBlocks.Window(array, offset, count));
            offset += count;
        }
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    /// <summary>Writes a non-negative count as a 7-bit varint.</summary>
    public void WriteCount(int count)
    {
        Ensure(5);
        var value = (uint)count;
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteCount(0);
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(max + 5);
        var written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 5));
        // A count is written in front; shift only when its varint is shorter than 5 bytes.
        var start = _length;
        WriteCount(written + 1);
        var headerLength = _length - start;
        if (headerLength != 5)
        {
            Buffer.BlockCopy(_buffer, start + 5, _buffer, _length, written);
        }
        _length += written;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteCount(bytes.Length);
        WriteRaw(bytes);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteGuid(Guid value)
    {
        Ensure(16);
        value.TryWriteBytes(_buffer.AsSpan(_length));
        _length += 16;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 16));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 16));
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }
        var needed = (long)_length + extra;
        if (needed > Array.MaxLength)
        {
            throw new NotShippableException(
                $"The value encodes to more than {Array.MaxLength:N0} bytes in one buffer; only arrays of primitive elements (byte, short, char, int, long, float, double) may be larger, as they travel beside the buffer.");
        }
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, needed));
        Array.Resize(ref _buffer, size);
    }
}
