using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorParallel.Serialization;

/// <summary>Reads what <see cref="WireWriter"/> wrote; throws <see cref="WireFormatException"/> on truncated input.</summary>
internal sealed class WireReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly Array[] _blocks;
    private int _nextBlock;
    private int _position;

    public WireReader(byte[] buffer)
        : this(buffer, 0, buffer.Length)
    {
    }

    /// <param name="buffer">The bytes.</param>
    /// <param name="offset">Where to start reading.</param>
    /// <param name="count">How many bytes to read.</param>
    /// <param name="blocks">The arrays that travelled out of band beside the bytes (<see cref="WireWriter.Blocks"/>).</param>
    public WireReader(byte[] buffer, int offset, int count, Array[]? blocks = null)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + count;
        _blocks = blocks ?? [];
    }

    /// <summary>A reader of encoded values with their out-of-band arrays.</summary>
    public WireReader(Encoded encoded)
        : this(encoded.Bytes, 0, encoded.Bytes.Length, encoded.Blocks)
    {
    }

    /// <summary>Reads what <see cref="WireWriter.WriteArray{T}"/> wrote: inline, or the out-of-band array itself (no copy).</summary>
    public T[] ReadArray<T>()
        where T : unmanaged
    {
        if (ReadByte() != 0)
        {
            var index = ReadCount();
            return index < _blocks.Length && _blocks[index] is T[] block
                ? block
                : throw new WireFormatException($"Out-of-band array {index} of {Serialization.TypeNames.Readable(typeof(T))} is missing ({_blocks.Length} arrived).");
        }
        var count = ReadCount();
        var array = GC.AllocateUninitializedArray<T>(count);
        ReadRaw(checked(count * Unsafe.SizeOf<T>())).CopyTo(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }

    /// <summary>Reads what <see cref="WireWriter.WriteBlock"/> wrote: the next out-of-band array of the message, or one written inline.</summary>
    public Array ReadBlock()
    {
        if (ReadByte() != 0)
        {
            return _nextBlock < _blocks.Length
                ? _blocks[_nextBlock++]
                : throw new WireFormatException($"The message refers to more out-of-band arrays than the {_blocks.Length} that arrived.");
        }
        var kind = ReadByte();
        var array = WireBlocks.Allocate(kind, ReadCount());
        var total = WireBlocks.ByteLength(array);
        for (long offset = 0; offset < total;)
        {
            var count = (int)Math.Min(total - offset, 1 << 30);
            ReadRaw(count).CopyTo(WireBlocks.Window(array, offset, count));
            offset += count;
        }
        return array;
    }

    public bool AtEnd => _position >= _end;

    public byte ReadByte()
    {
        Need(1);
        return _buffer[_position++];
    }

    public bool ReadBool() => ReadByte() != 0;

    public int ReadInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_position));
        _position += 4;
        return value;
    }

    public long ReadInt64()
    {
        Need(8);
        var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_position));
        _position += 8;
        return value;
    }

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    public int ReadCount()
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte();
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (result > int.MaxValue)
                {
                    break;
                }
                return (int)result;
            }
        }
        throw new WireFormatException("A length prefix is malformed.");
    }

    public string? ReadString()
    {
        var count = ReadCount();
        if (count == 0)
        {
            return null;
        }
        var length = count - 1;
        Need(length);
        var value = Encoding.UTF8.GetString(_buffer, _position, length);
        _position += length;
        return value;
    }

    public string ReadRequiredString() =>
        ReadString() ?? throw new WireFormatException("A required string is missing.");

    public byte[] ReadBytes()
    {
        var length = ReadCount();
        return ReadRaw(length).ToArray();
    }

    public ReadOnlySpan<byte> ReadRaw(int length)
    {
        Need(length);
        var span = _buffer.AsSpan(_position, length);
        _position += length;
        return span;
    }

    public ReadOnlyMemory<byte> ReadRawMemory(int length)
    {
        Need(length);
        var memory = _buffer.AsMemory(_position, length);
        _position += length;
        return memory;
    }

    public Guid ReadGuid() => new(ReadRaw(16));

    private void Need(int count)
    {
        if (count < 0 || _end - _position < count)
        {
            throw new WireFormatException($"The message is truncated: {count} more bytes were expected at offset {_position}.");
        }
    }
}
