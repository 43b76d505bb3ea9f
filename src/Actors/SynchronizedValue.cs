using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// One <typeparamref name="T"/> in shared memory with a lock: Python's <c>multiprocessing.Value('i', 0)</c>
/// (whose class is <c>Synchronized</c>). Reading or writing <see cref="Value"/> takes the lock, as
/// Python's does; for <c>v.value += 1</c> from several processes hold <see cref="GetLock"/> around it,
/// as in Python, or call <see cref="Add"/>, which is atomic without a lock (int, long, double). For
/// Host nodes (other machines), use the Manager's <see cref="SharedValue{T}"/>.
/// </summary>
/// <remarks>
/// The lock is a <see cref="SharedMemoryLock"/>: recursive and released by the kernel if its holder
/// dies. See <see cref="SharedMemory"/> for how the block is shared and freed (Linux only).
/// </remarks>
/// <typeparam name="T">Any unmanaged type without addresses in it (no <c>nint</c>, no pointers).</typeparam>
public sealed unsafe class SynchronizedValue<T> : IDisposable, ILocalMemoryHandle
    where T : unmanaged
{
    private readonly RawValue<T> _raw;
    private readonly SharedMemoryLock _lock;
    private byte* _mutex;

    /// <summary>Creates the value (Python's <c>Value('i', initial)</c>).</summary>
    /// <param name="initial">Its first value; <c>default</c> if omitted.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> holds an address.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public SynchronizedValue(T initial = default)
        : this(RawArray<T>.Create(1, Describe()))
    {
        _raw.Value = initial;
    }

    private SynchronizedValue(SegmentLease lease)
    {
        _raw = new RawValue<T>(lease);
        _lock = new SharedMemoryLock(lease.Share(Describe()));
        _mutex = lease.Segment(Describe()).Mutex;
    }

    /// <summary>The name of the block that holds the value, as this process reaches it.</summary>
    public string Name => _raw.Name;

    /// <summary>The value (Python's <c>v.value</c>), read or written while holding the lock.</summary>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T Value
    {
        get
        {
            var location = _raw.Location;
            var mutex = Mutex;
            RobustMutex.Enter(mutex, null, Describe());
            var value = *location;
            RobustMutex.Exit(mutex, Describe());
            return value;
        }
        set
        {
            var location = _raw.Location;
            var mutex = Mutex;
            RobustMutex.Enter(mutex, null, Describe());
            *location = value;
            RobustMutex.Exit(mutex, Describe());
        }
    }

    /// <summary>The value's lock (Python's <c>get_lock()</c>).</summary>
    /// <returns>The lock; the same in every process that maps the value.</returns>
    public SharedMemoryLock GetLock() => _lock;

    /// <summary>The same value without the lock (Python's <c>get_obj()</c>).</summary>
    /// <returns>A raw view of this value's memory.</returns>
    public RawValue<T> GetObj() => _raw;

    /// <summary>Adds <paramref name="delta"/> atomically across processes, without the lock.</summary>
    /// <param name="delta">What to add; negative subtracts.</param>
    /// <returns>The new value.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T Add(T delta) => _raw.Add(delta);

    /// <summary>Sets the value to <paramref name="value"/> if it equals <paramref name="comparand"/>, atomically, without the lock.</summary>
    /// <param name="value">The new value.</param>
    /// <param name="comparand">The value expected.</param>
    /// <returns>The value before.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not int, long or double.</exception>
    /// <exception cref="ObjectDisposedException">The value is disposed in this process.</exception>
    public T CompareExchange(T value, T comparand) => _raw.CompareExchange(value, comparand);

    /// <summary>Unmaps the value and its lock in this process; the memory lives while any process maps it.</summary>
    public void Dispose()
    {
        _mutex = null;
        _raw.Dispose();
        _lock.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<SynchronizedValue<{Serialization.TypeNames.Readable(typeof(T))}> '{Name}'>";

    private byte* Mutex => _mutex is not null ? _mutex : throw new ObjectDisposedException(Describe(), $"{this} is disposed in this process.");

    private static readonly string s_name = $"SynchronizedValue<{Serialization.TypeNames.Readable(typeof(T))}>";

    private static string Describe() => s_name;

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.SynchronizedValueKind, _raw.Lease.Segment(Describe()), typeof(T), ToString(), $"manager.Value(initial) (SharedValue<{Serialization.TypeNames.Readable(typeof(T))}>)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SynchronizedValue<T>(MemoryHandles.Read(reader, name, Describe()));
}
