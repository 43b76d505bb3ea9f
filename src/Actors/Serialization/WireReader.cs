using System.Buffers.Binary;
using System.Text;

namespace ActorParallel.Serialization;

/// <summary>Reads what <see cref="WireWriter"/> wrote; throws <see cref="WireFormatException"/> on truncated input.</summary>
internal sealed class WireReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    public WireReader(byte[] buffer)
        : this(buffer, 0, buffer.Length)
    {
    }

    public WireReader(byte[] buffer, int offset, int count)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + count;
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
