using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// A lock in shared memory that the driver and its local worker processes share, as Python's
/// <c>multiprocessing.RLock()</c> and the lock that <c>Array(...).get_lock()</c> returns: one
/// thread holds it at a time, across processes; the holding thread may take it again (recursive), and
/// must release it as often. Unlike Python's (a POSIX semaphore, which stays taken forever when its
/// holder is killed), it is <b>released by the kernel when its holder dies</b>, even by SIGKILL: the
/// next waiter gets it. What the dead holder was protecting may be half-updated.
/// </summary>
/// <remarks>
/// A robust, recursive, process-shared pthread mutex in the header of an anonymous memory file
/// (Linux only; see <see cref="SharedMemory"/> for how the block is shared and freed). Uncontended,
/// <see cref="Acquire"/> and <see cref="Release"/> are a few tens of nanoseconds and no system call.
/// It belongs to a thread: release it on the thread that acquired it (no <c>await</c> in between).
/// The handle travels to <see cref="WorkerProcess"/> targets and pool functions as an argument or a
/// captured variable; on a Host node, use <see cref="Manager.Lock"/>.
/// </remarks>
public sealed unsafe class SharedMemoryLock : IDisposable, ILocalMemoryHandle
{
    private const string What = "SharedMemoryLock";
    private readonly SegmentLease _lease;
    private byte* _mutex;

    /// <summary>Creates an unlocked lock (Python's <c>multiprocessing.RLock()</c>).</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public SharedMemoryLock()
        : this(new SegmentLease(MemorySegment.Create(0, "a SharedMemoryLock")))
    {
    }

    internal SharedMemoryLock(SegmentLease lease)
    {
        _lease = lease;
        _mutex = lease.Segment(What).Mutex;
        Name = lease.Segment(What).Name;
    }

    /// <summary>The name of the block that holds the lock, as this process reaches it.</summary>
    public string Name { get; }

    /// <summary>Waits until this thread holds the lock (Python's <c>acquire()</c>); use it in a <c>using</c>.</summary>
    /// <returns>A holder whose <c>Dispose</c> releases the lock once.</returns>
    /// <exception cref="ObjectDisposedException">The lock is disposed in this process.</exception>
    public Holder Acquire()
    {
        RobustMutex.Enter(Mutex, null, What);
        return new Holder(this);
    }

    /// <summary>Takes the lock if it becomes free within <paramref name="timeout"/> (Python's <c>acquire(timeout=...)</c>).</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> does not wait, <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>Whether this thread now holds it; if so, call <see cref="Release"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="ObjectDisposedException">The lock is disposed in this process.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
        return RobustMutex.Enter(Mutex, timeout, What);
    }

    /// <summary>
    /// Releases the lock once (Python's <c>release()</c>), after this process's earlier writes to Manager
    /// objects (a <see cref="SharedList{T}.Append"/>, a <see cref="SharedValue{T}.Add"/>) are stored, so the
    /// next holder sees them.
    /// </summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold it.</exception>
    /// <exception cref="ObjectDisposedException">The lock is disposed in this process.</exception>
    public void Release()
    {
        Workers.SharedStateNode.ReleaseThisProcess();
        RobustMutex.Exit(Mutex, What);
    }

    /// <summary>Unmaps the lock in this process; other processes keep theirs.</summary>
    public void Dispose()
    {
        _mutex = null;
        _lease.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<SharedMemoryLock '{Name}'>";

    private byte* Mutex => _mutex is not null ? _mutex : throw new ObjectDisposedException(What, $"{this} is disposed in this process.");

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.MemoryLockKind, _lease.Segment(What), typeof(byte), ToString(), "manager.Lock() (SharedLock)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedMemoryLock(MemoryHandles.Read(reader, name, What));

    /// <summary>Holds a <see cref="SharedMemoryLock"/> until disposed.</summary>
    public readonly struct Holder : IDisposable
    {
        private readonly SharedMemoryLock? _lock;

        internal Holder(SharedMemoryLock held) => _lock = held;

        /// <summary>Releases the lock once.</summary>
        /// <exception cref="SynchronizationLockException">This thread does not hold it.</exception>
        public void Dispose() => _lock?.Release();
    }
}
