using ActorParallel.Memory;
using ActorParallel.Serialization;

namespace ActorParallel;

/// <summary>
/// A block of bytes shared by the driver and its local worker processes: Python's
/// <c>multiprocessing.shared_memory.SharedMemory</c>, without its leaks. Pass it to a
/// <see cref="WorkerProcess"/> target or capture it in a pool function, or attach it by
/// <see cref="Name"/> in another process of the same user (<see cref="Attach"/>): each maps the same
/// pages, so nothing is copied.
/// </summary>
/// <remarks>
/// <para>
/// How it is shared and freed (Linux): the block is an anonymous memory file (<c>memfd_create</c>), which
/// has no name in any filesystem. A handle carries the sending process's id, its descriptor number and
/// the block's random id; the receiving process opens <c>/proc/&lt;pid&gt;/fd/&lt;fd&gt;</c> (allowed
/// for processes of the same user), maps it, and checks the id in the block's header, so a reused pid
/// or descriptor can never map the wrong memory. There is nothing to <c>unlink</c>: the kernel frees
/// the block when the last process that maps it or holds its descriptor ends, however it ends
/// (SIGKILL included), and disposing it here unmaps it here only. Python's <c>shared_memory</c> lives
/// in <c>/dev/shm</c> until someone unlinks it, and its resource tracker warns of leaks when a
/// process dies (CPython issues 82300, 110778, 116849).
/// </para>
/// <para>
/// Other systems: .NET's <c>MemoryMappedFile</c> offers named maps on Windows (freed with their last
/// handle) and none on Linux or macOS; ActorParallel's shared memory is Linux only and throws
/// <see cref="PlatformNotSupportedException"/> elsewhere: use the <see cref="Manager"/>'s objects there.
/// On a Host node (another machine) a handle is refused when the work is sent
/// (<see cref="NotShippableException"/>). Keep the object referenced while you use a span of it:
/// its pages are unmapped in this process when it is disposed or collected.
/// </para>
/// </remarks>
public sealed unsafe class SharedMemory : IDisposable, ILocalMemoryHandle
{
    private const string What = "SharedMemory";
    private readonly SegmentLease _lease;
    private byte* _bytes;

    /// <summary>Creates a zero-filled block (Python's <c>SharedMemory(create=True, size=n)</c>).</summary>
    /// <param name="size">Its size in bytes; 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="IOException">The kernel refused the memory.</exception>
    public SharedMemory(long size)
        : this(new SegmentLease(MemorySegment.Create(CheckSize(size), What)))
    {
    }

    private SharedMemory(SegmentLease lease)
    {
        _lease = lease;
        var segment = lease.Segment(What);
        _bytes = segment.Data;
        Size = segment.DataBytes;
        Name = segment.Name;
    }

    /// <summary>
    /// The block's name as this process reaches it (<c>apsm_&lt;pid&gt;_&lt;fd&gt;_&lt;id&gt;</c>): another
    /// process of the same user attaches it with <see cref="Attach"/> while this process keeps it open.
    /// </summary>
    public string Name { get; }

    /// <summary>The size in bytes (Python's <c>size</c>).</summary>
    public long Size { get; }

    /// <summary>Maps a block another process created or attached (Python's <c>SharedMemory(name)</c>).</summary>
    /// <param name="name">Its <see cref="Name"/> in a process that still holds it.</param>
    /// <returns>The block, mapped in this process.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a shared memory name.</exception>
    /// <exception cref="IOException">That process has exited or closed the block, or belongs to another user.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static SharedMemory Attach(string name) => new(new SegmentLease(MemorySegment.Attach(name, What)));

    /// <summary>The bytes (Python's <c>buf</c>), over the shared pages: no copy.</summary>
    /// <returns>A span of <see cref="Size"/> bytes.</returns>
    /// <exception cref="InvalidOperationException">The block is larger than a span can be (2 GiB): use <see cref="AsSpan(long, int)"/>.</exception>
    /// <exception cref="ObjectDisposedException">The block is disposed in this process.</exception>
    public Span<byte> AsSpan() => Size <= int.MaxValue
        ? new Span<byte>(Bytes, (int)Size)
        : throw new InvalidOperationException($"{this} is larger than one span can be ({int.MaxValue:N0} bytes): take slices with AsSpan(offset, length).");

    /// <summary>A slice of the bytes over the shared pages: no copy.</summary>
    /// <param name="offset">The first byte.</param>
    /// <param name="length">The number of bytes.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The slice is not inside the block.</exception>
    /// <exception cref="ObjectDisposedException">The block is disposed in this process.</exception>
    public Span<byte> AsSpan(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset} to {offset + length} are not inside {this} (0 to {Size}).");
        }
        return new Span<byte>(Bytes + offset, length);
    }

    /// <summary>The bytes as memory over the shared pages, for async code; it keeps the block mapped while referenced.</summary>
    /// <returns>Memory of <see cref="Size"/> bytes.</returns>
    /// <exception cref="InvalidOperationException">The block is larger than 2 GiB.</exception>
    /// <exception cref="ObjectDisposedException">The block is disposed in this process.</exception>
    public Memory<byte> AsMemory() => new SegmentMemory<byte>(this, Bytes, AsSpan().Length).Memory;

    /// <summary>Unmaps the block in this process (Python's <c>close()</c>); there is no <c>unlink()</c>: the memory is freed with its last process.</summary>
    public void Dispose()
    {
        _bytes = null;
        _lease.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<SharedMemory '{Name}' size={Size}>";

    private byte* Bytes => _bytes is not null ? _bytes : throw new ObjectDisposedException(What, $"{this} is disposed in this process.");

    private static long CheckSize(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size;
    }

    void ISharedObject.WriteHandle(WireWriter writer) =>
        MemoryHandles.Write(writer, SharedObjects.MemoryKind, _lease.Segment(What), typeof(byte), ToString(), "a Manager object (manager.Array<byte>(size), or send the bytes themselves)");

    internal static object ReadHandle(WireReader reader, string host, string name) =>
        new SharedMemory(MemoryHandles.Read(reader, name, What));
}
