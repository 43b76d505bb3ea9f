using System.Buffers.Binary;
using System.Buffers;
using System.Text;

namespace ActorParallel.Serialization;

/// <summary>A growable little-endian byte buffer for the wire format; not thread-safe.</summary>
internal sealed class WireWriter : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    public WireWriter(int capacity = 256) => _buffer = new byte[capacity];

    public int Length => _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

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
        var size = Math.Max(_buffer.Length * 2, _length + extra);
        Array.Resize(ref _buffer, size);
    }
}
