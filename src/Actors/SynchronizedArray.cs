using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// A fixed-length array of <typeparamref name="T"/> in shared memory with a lock: Python's
/// <c>multiprocessing.Array('d', n)</c> (whose class is <c>SynchronizedArray</c>). The driver and its
/// local worker processes map the same pages; each indexer access takes the array's lock, as
/// Python's does, so a holder of <see cref="GetLock"/> excludes them all. Pass it to a
/// <see cref="WorkerProcess"/> target or capture it in a pool function: there it maps the same
/// memory (zero copy). For Host nodes (other machines), use the Manager's <see cref="SharedArray{T}"/>.
/// </summary>
/// <remarks>
/// The lock is a <see cref="SharedMemoryLock"/>: recursive (an RLock, as Python's) and released by
/// the kernel if its holder dies. <see cref="Add"/> and <see cref="CompareExchange"/> are atomic
/// without it; <see cref="AsSpan()"/> and <see cref="GetObj"/> bypass it (Python's
/// <c>get_obj()</c>). Elements start zeroed. See <see cref="SharedMemory"/> for how the block is
/// shared and freed (Linux only).
/// </remarks>
/// <typeparam name="T">Any unmanaged type (<c>double</c>, <c>int</c>, your structs) without addresses in it (no <c>nint</c>, no pointers).</typeparam>
public sealed unsafe class SynchronizedArray<T> : IDisposable, ILocalMemoryHandle
    where T : unmanaged
{
    private readonly RawArray<T> _raw;
    private readonly SharedMemoryLock _lock;
    private byte* _mutex;

    /// <summary>Creates a zero-filled array of <paramref name="length"/> elements (Python's <c>Array('d', n)</c>).</summary>
    /// <param name="length">The number of elements; 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public SynchronizedArray(int length)
        : this(RawArray<T>.Create(length, Describe()))
    {
    }

    /// <summary>Creates an array holding a copy of <paramref name="values"/> (Python's <c>Array('d', [1.0, 2.0])</c>).</summary>
    /// <param name="values">The initial elements.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public SynchronizedArray(ReadOnlySpan<T> values)
        : this(values.Length)
    {
        values.CopyTo(_raw.AsSpan());
    }

    private SynchronizedArray(SegmentLease lease)
    {
        _raw = new RawArray<T>(lease);
        _lock = new SharedMemoryLock(lease.Share(Describe()));
        _mutex = lease.Segment(Describe()).Mutex;
    }

    /// <summary>The name of the block that holds the array, as this process reaches it.</summary>
    public string Name => _raw.Name;

    /// <summary>The number of elements (Python's <c>len(a)</c>).</summary>
    public int Length => _raw.Length;

    /// <summary>Element <paramref name="index"/>, read or written while holding the array's lock (as Python's <c>a[i]</c>).</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array (Python's <c>IndexError</c>).</exception>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public T this[int index]
    {
        get
        {
            var item = _raw.At(index, this);
            var mutex = Mutex;
            RobustMutex.Enter(mutex, null, Describe());
            var value = *item;
            RobustMutex.Exit(mutex, Describe());
            return value;
        }
        set
        {
            var item = _raw.At(index, this);
            var mutex = Mutex;
            RobustMutex.Enter(mutex, null, Describe());
            *item = value;
            RobustMutex.Exit(mutex, Describe());
        }
    }

    /// <summary>The array's lock (Python's <c>get_lock()</c>): hold it for a read-modify-write or a consistent copy.</summary>
    /// <returns>The lock; the same in every process that maps the array.</returns>
    public SharedMemoryLock GetLock() => _lock;

    /// <summary>The same elements without the lock (Python's <c>get_obj()</c>).</summary>
    /// <returns>A raw view of this array's memory.</returns>
    public RawArray<T> GetObj() => _raw;

    /// <summary>The elements as a span over the shared pages, without the lock (hold <see cref="GetLock"/> if others write): no copy.</summary>
    /// <returns>A span of <see cref="Length"/> elements.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Span<T> AsSpan() => new(_raw.ItemsOf(this), Length);

    /// <summary>A slice of the elements over the shared pages, without the lock: no copy.</summary>
    /// <param name="start">The first element.</param>
    /// <param name="length">The number of elements.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The slice is not inside the array.</exception>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Span<T> AsSpan(int start, int length) => _raw.AsSpan(start, length, this);

    /// <summary>The elements as memory over the shared pages, without the lock; it keeps the array mapped while referenced.</summary>
    /// <returns>Memory of <see cref="Length"/> elements.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public Memory<T> AsMemory()
    {
        _ = _raw.ItemsOf(this);
        return _raw.AsMemory();
    }

    /// <summary>A copy of the elements taken while holding the lock (Python's <c>a[:]</c>).</summary>
    /// <returns>A new array.</returns>
    /// <exception cref="ObjectDisposedException">The array is disposed in this process.</exception>
    public T[] ToArray()
    {
        using (_lock.Acquire())
        {
            return _raw.ToArray();
        }
    }

    /// <summary>Adds <paramref name="delta"/> to element <paramref name="index"/> atomically across processes, without the lock.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="delta">What to add; negative subtracts.</param>
    /// <returns>The element's new value.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public T Add(int index, T delta) => _raw.Add(index, delta, this);

    /// <summary>Sets element <paramref name="index"/> to <paramref name="value"/> if it equals <paramref name="comparand"/>, atomically, without the lock.</summary>
    /// <param name="index">From 0 to <see cref="Length"/> - 1.</param>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected.</param>
    /// <returns>The element's value before.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the array.</exception>
    public T CompareExchange(int index, T value, T comparand) => _raw.CompareExchange(index, value, comparand, this);

    /// <summary>Unmaps the array and its lock in this process; the memory lives while any process maps it.</summary>
    public void Dispose()
    {
        _mutex = null;
        _raw.Dispose();
        _lock.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<SynchronizedArray<{Serialization.TypeNames.Readable(typeof(T))}> '{Name}' length={Length}>";

    private byte* Mutex => _mutex is not null ? _mutex : throw new ObjectDisposedException(Describe(), $"{this} is disposed in this process.");

    private static readonly string s_name = $"SynchronizedArray<{Serialization.TypeNames.Readable(typeof(T))}>";

    internal static string Describe() => s_name;

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.SynchronizedArrayKind, _raw.Lease.Segment(Describe()), typeof(T), ToString(), $"manager.Array<{Serialization.TypeNames.Readable(typeof(T))}>(length) (SharedArray<T>)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SynchronizedArray<T>(MemoryHandles.Read(reader, name, Describe()));
}
