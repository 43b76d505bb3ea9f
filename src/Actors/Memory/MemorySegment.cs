using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorParallel.Memory;

/// <summary>
/// One block of shared memory as this process maps it: an anonymous memory file (<c>memfd_create</c>),
/// which has no name in any filesystem and so nothing to remove: the kernel frees it when the last
/// process that holds a descriptor or a mapping of it ends, however it ends. Another process of the
/// same user opens it through <c>/proc/&lt;pid&gt;/fd/&lt;fd&gt;</c> of a process that holds it (the
/// locator in <see cref="Name"/>), and checks the random id in the block's header, so that a reused
/// process id or descriptor number can never map the wrong memory.
/// </summary>
/// <remarks>
/// Layout: a 128-byte header (magic, id, data size, and a robust process-shared mutex at byte 64),
/// then the data, 64-byte aligned. One instance per block per process (<see cref="Attach"/> reuses
/// it), counted: the last release unmaps and closes it.
/// </remarks>
internal sealed unsafe class MemorySegment
{
    public const int DataOffset = 128;
    private const int MutexOffset = 64;
    private const ulong Magic = 0x3130304D48535041; // "APSHM001"
    private const string NamePrefix = "apsm_";

    private static readonly ConcurrentDictionary<Guid, MemorySegment> Mapped = new();

    private readonly nint _base;
    private readonly nuint _mappedBytes;
    private readonly int _fd;
    private int _references = 1;

    private MemorySegment(int fd, nint address, nuint mappedBytes, Guid id, long dataBytes)
    {
        _fd = fd;
        _base = address;
        _mappedBytes = mappedBytes;
        Id = id;
        DataBytes = dataBytes;
    }

    /// <summary>The block's random id, the same in every process.</summary>
    public Guid Id { get; }

    /// <summary>Bytes of data after the header.</summary>
    public long DataBytes { get; }

    public byte* Data => (byte*)_base + DataOffset;

    public byte* Mutex => (byte*)_base + MutexOffset;

    /// <summary>Where another process finds this block while this process holds it: <c>apsm_&lt;pid&gt;_&lt;fd&gt;_&lt;id&gt;</c>.</summary>
    public string Name => $"{NamePrefix}{Environment.ProcessId}_{_fd}_{Id:N}";

    /// <summary>The memory file's own name, as <c>/proc/&lt;pid&gt;/maps</c> shows it (<c>/memfd:actorparallel-&lt;id&gt; (deleted)</c>).</summary>
    public static string FileName(Guid id) => $"actorparallel-{id:N}";

    /// <summary>Creates a zero-filled block of <paramref name="dataBytes"/> bytes with a robust recursive mutex in its header.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux, or a C library older than glibc 2.34.</exception>
    /// <exception cref="IOException">The kernel refused the memory (its message and errno).</exception>
    public static MemorySegment Create(long dataBytes, string what)
    {
        ThrowIfUnsupported(what);
        var id = Guid.NewGuid();
        var fd = Libc.MemfdCreate(FileName(id), Libc.MfdCloexec);
        if (fd < 0)
        {
            throw new IOException($"Cannot create {what}: memfd_create failed: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
        }
        var total = DataOffset + dataBytes;
        if (Libc.Ftruncate(fd, total) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.Close(fd);
            throw new IOException($"Cannot create {what} of {dataBytes:N0} bytes: {Libc.Describe(errno)}.");
        }
        var segment = Map(fd, (nuint)total) ?? throw new IOException($"Cannot map {what} of {dataBytes:N0} bytes: {Libc.Describe(Marshal.GetLastPInvokeError())}.");
        var header = (byte*)segment;
        *(Guid*)(header + 8) = id;
        *(long*)(header + 24) = dataBytes;
        try
        {
            InitMutex(header + MutexOffset);
        }
        catch (EntryPointNotFoundException missing)
        {
            Libc.Munmap(segment, (nuint)total);
            Libc.Close(fd);
            throw new PlatformNotSupportedException(
                $"Cannot create {what}: this C library has no robust mutexes in libc ({missing.Message}); shared memory needs glibc 2.34 or later, or musl.", missing);
        }
        *(ulong*)header = Magic;
        var created = new MemorySegment(fd, segment, (nuint)total, id, dataBytes);
        Mapped[id] = created;
        return created;
    }

    /// <summary>Maps the block <paramref name="name"/> names (this process's own instance if it has one).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a shared memory name.</exception>
    /// <exception cref="IOException">No process that holds the block can be reached, or the block there is another one now.</exception>
    public static MemorySegment Attach(string name, string what)
    {
        ThrowIfUnsupported(what);
        var (pid, fd, id) = Parse(name);
        while (true)
        {
            if (Mapped.TryGetValue(id, out var known) && known.TryAddReference())
            {
                return known;
            }
            var attached = Open(pid, fd, id, name, what);
            if (Mapped.TryAdd(id, attached))
            {
                return attached;
            }
            attached.Release();
        }
    }

    /// <summary>Adds an owner; false once the block is unmapped here.</summary>
    public bool TryAddReference()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var prior = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (prior == seen)
            {
                return true;
            }
            seen = prior;
        }
        return false;
    }

    /// <summary>Drops an owner; the last one unmaps the block and closes its descriptor in this process.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Mapped.TryRemove(new KeyValuePair<Guid, MemorySegment>(Id, this));
            Libc.Munmap(_base, _mappedBytes);
            Libc.Close(_fd);
        }
    }

    private static MemorySegment Open(int pid, int fd, Guid id, string name, string what)
    {
        var path = $"/proc/{pid}/fd/{fd}";
        var opened = Libc.Open(path, Libc.ORdwr | Libc.OCloexec);
        if (opened < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException(errno switch
            {
                Libc.ENoent => $"Cannot attach {what} '{name}': process {pid}, which sent it, has exited or closed it. " +
                    "A handle can be attached while the process that sent it keeps the object open.",
                Libc.EAccess or Libc.EPerm => $"Cannot attach {what} '{name}': process {pid} belongs to another user or does not allow it ({path}: {Libc.Describe(errno)}).",
                _ => $"Cannot attach {what} '{name}': {path}: {Libc.Describe(errno)}.",
            });
        }
        var size = Libc.Lseek(opened, 0, Libc.SeekEnd);
        if (size < DataOffset)
        {
            Libc.Close(opened);
            throw NotThatBlock(name, what, pid, fd);
        }
        var address = Map(opened, (nuint)size);
        if (address is null)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.Close(opened);
            throw new IOException($"Cannot map {what} '{name}' ({size:N0} bytes): {Libc.Describe(errno)}.");
        }
        var header = (byte*)address.Value;
        if (*(ulong*)header != Magic || *(Guid*)(header + 8) != id || *(long*)(header + 24) != size - DataOffset)
        {
            Libc.Munmap(address.Value, (nuint)size);
            Libc.Close(opened);
            throw NotThatBlock(name, what, pid, fd);
        }
        return new MemorySegment(opened, address.Value, (nuint)size, id, size - DataOffset);
    }

    private static IOException NotThatBlock(string name, string what, int pid, int fd) =>
        new($"Cannot attach {what} '{name}': process {pid} no longer holds it (its descriptor {fd} is something else now).");

    private static nint? Map(int fd, nuint bytes)
    {
        var address = Libc.Mmap(0, bytes, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, fd, 0);
        return address == -1 ? null : address;
    }

    private static void InitMutex(byte* mutex)
    {
        var attributes = stackalloc byte[64];
        Check(Libc.MutexAttrInit(attributes), "pthread_mutexattr_init");
        Check(Libc.MutexAttrSetType(attributes, Libc.MutexRecursive), "pthread_mutexattr_settype");
        Check(Libc.MutexAttrSetShared(attributes, Libc.ProcessShared), "pthread_mutexattr_setpshared");
        Check(Libc.MutexAttrSetRobust(attributes, Libc.MutexRobust), "pthread_mutexattr_setrobust");
        Check(Libc.MutexInit(mutex, attributes), "pthread_mutex_init");
        Libc.MutexAttrDestroy(attributes);

        static void Check(int result, string call)
        {
            if (result != 0)
            {
                throw new IOException($"Cannot make a process-shared lock: {call} failed: {Libc.Describe(result)}.");
            }
        }
    }

    private static (int Pid, int Fd, Guid Id) Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.StartsWith(NamePrefix, StringComparison.Ordinal) ? name[NamePrefix.Length..].Split('_') : [];
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fd)
            && Guid.TryParseExact(parts[2], "N", out var id))
        {
            return (pid, fd, id);
        }
        throw new ArgumentException($"'{name}' is not a shared memory name (apsm_<pid>_<fd>_<id>, as an object's Name gives it).", nameof(name));
    }

    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static void ThrowIfUnsupported(string what)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                $"{what} needs Linux (anonymous memory files and robust process-shared mutexes). On other systems use the Manager's " +
                "shared objects (manager.Array<T>(n), manager.Value(x), manager.Lock()), which work wherever the driver runs.");
        }
    }
}
