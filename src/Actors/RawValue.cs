using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// One <typeparamref name="T"/> in shared memory, without a lock: Python's
/// <c>multiprocessing.RawValue('i', 0)</c>. The driver and its local worker processes map the same
/// page: a write in one is seen by the others. <see cref="Add"/> and <see cref="CompareExchange"/>
/// are atomic across processes (int, long, double). For Host nodes (other machines), use the
/// Manager's <see cref="SharedValue{T}"/>.
/// </summary>
/// <remarks>See <see cref="SharedMemory"/> for how the block is shared and freed (Linux only).</remarks>
/// <typeparam name="T">Any unmanaged type without addresses in it (no <c>nint</c>, no pointers).</typeparam>
public sealed unsafe class RawValue<T> : IDisposable, ILocalMemoryHandle
    where T : unmanaged
{
    private readonly SegmentLease _lease;
    private T* _value;

    /// <summary>Creates the value (Python's <c>RawValue('i', initial)</c>).</summary>
    /// <param name="initial">Its first value; <c>default</c> if omitted.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public RawValue(T initial = default)
        : this(RawArray<T>.Create(1, Describe()))
    {
        *_value = initial;
    }

    internal RawValue(SegmentLease lease)
    {
        _lease = lease;
        var segment = lease.Segment(Describe());
        if (segment.DataBytes != sizeof(T))
        {
            throw new WireFormatException($"{Describe()} '{segment.Name}' is {segment.DataBytes} bytes, not {sizeof(T)}: the other side runs a different build.");
        }
        _value = (T*)segment.Data;
        Name = segment.Name;
    }

    /// <summary>The name of the block that holds the value, as this process reaches it.</summary>
    public string Name { get; }

    /// <summary>The value (Python's <c>v.value</c>): a load or store in the shared page, not reordered with this thread's other volatile accesses.</summary>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T Value
    {
        get => Atomics.Read(Location);
        set => Atomics.Write(Location, value);
    }

    /// <summary>Adds <paramref name="delta"/> atomically across processes.</summary>
    /// <param name="delta">What to add; negative subtracts.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T Add(T delta) => Atomics.Add(Location, delta, Describe());

    /// <summary>Sets the value to <paramref name="value"/> if it equals <paramref name="comparand"/>, atomically across processes.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected.</param>
    /// <returns>The value before: it was replaced if this equals <paramref name="comparand"/>.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T CompareExchange(T value, T comparand) => Atomics.CompareExchange(Location, value, comparand, Describe());

    /// <summary>Unmaps the value in this process; the memory lives while any process maps it.</summary>
    public void Dispose()
    {
        _value = null;
        _lease.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<RawValue<{Serialization.TypeNames.Readable(typeof(T))}> '{Name}'>";

    internal T* Location => _value is not null ? _value : throw new ObjectDisposedException(Describe(), $"{this} is disposed in this process.");

    internal SegmentLease Lease => _lease;

    private static readonly string s_name = $"RawValue<{Serialization.TypeNames.Readable(typeof(T))}>";

    internal static string Describe() => s_name;

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.RawValueKind, _lease.Segment(Describe()), typeof(T), ToString(), $"manager.Value(initial) (SharedValue<{Serialization.TypeNames.Readable(typeof(T))}>)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new RawValue<T>(MemoryHandles.Read(reader, name, Describe()));
}
