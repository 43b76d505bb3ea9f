using System.Buffers;

namespace ActorParallel.Memory;

/// <summary>A <see cref="Memory{T}"/> over shared pages; it keeps the object that owns them alive while it is referenced.</summary>
internal sealed unsafe class SegmentMemory<T>(object owner, T* items, int length) : MemoryManager<T>
    where T : unmanaged
{
    public object Owner { get; } = owner;

    public override Span<T> GetSpan() => new(items, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)length, nameof(elementIndex));
        return new MemoryHandle(items + elementIndex, pinnable: this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
