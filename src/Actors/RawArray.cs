using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// A fixed-length array of <typeparamref name="T"/> in shared memory, without a lock: Python's
/// <c>multiprocessing.RawArray('d', n)</c>. The driver and its local worker processes map the same
/// pages, so <c>a[i] = x</c> in one is a plain store that every other sees (no copy, no message). Pass
/// it to a <see cref="WorkerProcess"/> target or capture it in a pool function; there it maps the
/// same memory. For Host nodes (other machines), use the Manager's <see cref="SharedArray{T}"/>.
/// </summary>
/// <remarks>
/// Elements start zeroed. Plain reads and writes are not ordered against other processes'; use
/// <see cref="Add(int, T)"/> / <see cref="CompareExchange(int, T, T)"/> (atomic, for int, long and double), a
/// <see cref="SharedMemoryLock"/>, or <see cref="SynchronizedArray{T}"/>. Keep the array referenced
/// while you use a span of it: its pages are unmapped in this process when it is disposed or
/// collected. See <see cref="SharedMemory"/> for how the block is shared and freed (Linux only).
/// </remarks>
/// <typeparam name="T">Any unmanaged type (<c>double</c>, <c>int</c>, your structs) without addresses in it (no <c>nint</c>, no pointers).</typeparam>
public sealed unsafe class RawArray<T> : IDisposable, ILocalMemoryHandle
    where T : unmanaged
{
    private readonly SegmentLease _lease;
    private T* _items;

    /// <summary>Creates a zero-filled array of <paramref name="length"/> elements (Python's <c>RawArray('d', n)</c>).</summary>
    /// <param name="length">The number of elements; 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public RawArray(int length)
        : this(Create(length, Describe()))
    {
    }

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>RawArray('d', [1.0, 2.0])</c>).</summary>
    /// <param name="values">The initial elements.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public RawArray(ReadOnlySpan<T> values)
        : this(values.Length)
    {
        values.CopyTo(AsSpan());
    }

    internal RawArray(SegmentLease lease)
    {
        _lease = lease;
        var segment = lease.Segment(Describe());
        _items = (T*)segment.Data;
        Length = checked((int)(segment.DataBytes / sizeof(T)));
        Name = segment.Name;
    }

    /// <summary>The name of the block that holds the array, as this process reaches it.</summary>
    public string Name { get; }

    /// <summary>The number of elements (Python's <c>len(a)</c>).</summary>
    public int Length { get; }

    /// <summary>Element <paramref name="index"/>: a plain load or store in the shared pages.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array (Python's <c>IndexError</c>).</exception>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public T this[int index]
    {
        get => *At(index);
        set => *At(index) = value;
    }

    /// <summary>The elements as a span over the shared pages (Python's <c>memoryview(a)</c>): no copy.</summary>
    /// <returns>A span of <see cref="Length"/> elements.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Span<T> AsSpan() => new(Items, Length);

    /// <summary>A slice of the elements over the shared pages (Python's <c>memoryview(a)[start:start + length]</c>): no copy.</summary>
    /// <param name="start">The first element.</param>
    /// <param name="length">The number of elements.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The slice is not inside the array.</exception>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Span<T> AsSpan(int start, int length) => AsSpan(start, length, this);

    /// <summary><see cref="AsSpan(int, int)"/>, its errors naming <paramref name="shown"/> (the object the caller used).</summary>
    internal Span<T> AsSpan(int start, int length, object shown)
    {
        if (start < 0 || length < 0 || (long)start + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Elements {start}..{(long)start + length - 1} ({length} from {start}) are not inside {shown}, whose elements are 0..{Length - 1}.");
        }
        return new Span<T>(ItemsOf(shown), Length).Slice(start, length);
    }

    /// <summary>The elements as memory over the shared pages, for async code; it keeps the array mapped while referenced.</summary>
    /// <returns>Memory of <see cref="Length"/> elements.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Memory<T> AsMemory() => new SegmentMemory<T>(this, Items, Length).Memory;

    /// <summary>A copy of the elements (Python's <c>a[:]</c>).</summary>
    /// <returns>A new array.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public T[] ToArray() => AsSpan().ToArray();

    /// <summary>Adds <paramref name="delta"/> to element <paramref name="index"/> atomically across processes (no lock).</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="delta">What to add; negative subtracts.</param>
    /// <returns>The element's new value.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public T Add(int index, T delta) => Add(index, delta, this);

    /// <summary><see cref="Add(int, T)"/>, its errors naming <paramref name="shown"/>.</summary>
    internal T Add(int index, T delta, object shown) => Atomics.Add(At(index, shown), delta, NameOf(shown));

    /// <summary>Sets element <paramref name="index"/> to <paramref name="value"/> if it equals <paramref name="comparand"/>, atomically across processes.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected.</param>
    /// <returns>The element's value before: it was replaced if this equals <paramref name="comparand"/>.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public T CompareExchange(int index, T value, T comparand) => CompareExchange(index, value, comparand, this);

    /// <summary><see cref="CompareExchange(int, T, T)"/>, its errors naming <paramref name="shown"/>.</summary>
    internal T CompareExchange(int index, T value, T comparand, object shown) => Atomics.CompareExchange(At(index, shown), value, comparand, NameOf(shown));

    /// <summary>Unmaps the array in this process; other processes keep their mappings, and the memory lives while any process maps it.</summary>
    public void Dispose()
    {
        _items = null;
        _lease.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<RawArray<{Serialization.TypeNames.Readable(typeof(T))}> '{Name}' length={Length}>";

    internal SegmentLease Lease => _lease;

    internal T* At(int index) => At(index, this);

    /// <summary>Element <paramref name="index"/>'s address; errors name <paramref name="shown"/> (a synchronized array over this one names itself).</summary>
    internal T* At(int index, object shown)
    {
        var items = ItemsOf(shown);
        if ((uint)index >= (uint)Length)
        {
            throw new IndexOutOfRangeException($"Index {index} is outside {shown} (0 to {Length - 1}).");
        }
        return items + index;
    }

    private T* Items => ItemsOf(this);

    /// <summary>The elements' address; <see cref="ObjectDisposedException"/> naming <paramref name="shown"/> once unmapped here.</summary>
    internal T* ItemsOf(object shown) => _items is not null ? _items : throw new ObjectDisposedException(NameOf(shown), $"{shown} is disposed in this process.");

    // Names are built once per element type: the indexers and atomics pass them on every call.
    private static readonly string s_name = $"RawArray<{Serialization.TypeNames.Readable(typeof(T))}>";

    private static string NameOf(object shown) => shown is SynchronizedArray<T> ? SynchronizedArray<T>.Describe() : s_name;

    internal static string Describe() => s_name;

    internal static SegmentLease Create(int length, string what)
    {
        var bytes = ElementTypes.Bytes<T>(length, "length");
        ElementTypes.Check<T>(what);
        return new SegmentLease(MemorySegment.Create(bytes, what));
    }

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.RawArrayKind, _lease.Segment(Describe()), typeof(T), ToString(), $"manager.Array<{Serialization.TypeNames.Readable(typeof(T))}>(length) (SharedArray<T>)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new RawArray<T>(MemoryHandles.Read(reader, name, Describe()));
}
