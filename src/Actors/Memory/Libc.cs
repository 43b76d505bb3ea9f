using System.Runtime.InteropServices;

namespace ActorParallel.Memory;

/// <summary>The libc calls shared memory needs on Linux: anonymous memory files, mappings and robust process-shared mutexes.</summary>
internal static unsafe partial class Libc
{
    public const uint MfdCloexec = 1;
    public const int ORdwr = 2, OCloexec = 0x80000;
    public const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
    public const int SeekEnd = 2;
    public const int EPerm = 1, ENoent = 2, EAccess = 13, EBusy = 16, ETimedOut = 110, EOwnerDead = 130, ENotRecoverable = 131;
    public const int MutexRecursive = 1, ProcessShared = 1, MutexRobust = 1;

    /// <summary>glibc's <c>pthread_mutex_t</c> is 40 bytes on x86-64 and 48 on arm64; 64 leaves room on every ABI.</summary>
    public const int MutexBytes = 64;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    /// <summary><c>madvise</c>'s <c>MADV_POPULATE_WRITE</c> (Linux 5.14): fault the range in, writable, in one call.</summary>
    public const int MadvPopulateWrite = 23;

    [LibraryImport("libc", EntryPoint = "madvise")]
    public static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "pthread_mutexattr_init")]
    public static partial int MutexAttrInit(byte* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_mutexattr_destroy")]
    public static partial int MutexAttrDestroy(byte* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_mutexattr_settype")]
    public static partial int MutexAttrSetType(byte* attributes, int type);

    [LibraryImport("libc", EntryPoint = "pthread_mutexattr_setpshared")]
    public static partial int MutexAttrSetShared(byte* attributes, int shared);

    [LibraryImport("libc", EntryPoint = "pthread_mutexattr_setrobust")]
    public static partial int MutexAttrSetRobust(byte* attributes, int robust);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_init")]
    public static partial int MutexInit(byte* mutex, byte* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_lock")]
    public static partial int MutexLock(byte* mutex);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_timedlock")]
    public static partial int MutexTimedLock(byte* mutex, TimeSpec* deadline);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_trylock")]
    public static partial int MutexTryLock(byte* mutex);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_unlock")]
    public static partial int MutexUnlock(byte* mutex);

    /// <summary><c>pthread_mutex_trylock</c> without the GC transition: it never blocks.</summary>
    [LibraryImport("libc", EntryPoint = "pthread_mutex_trylock")]
    [SuppressGCTransition]
    public static partial int MutexTryLockQuick(byte* mutex);

    /// <summary><c>pthread_mutex_unlock</c> without the GC transition: it never blocks (at most one futex wake).</summary>
    [LibraryImport("libc", EntryPoint = "pthread_mutex_unlock")]
    [SuppressGCTransition]
    public static partial int MutexUnlockQuick(byte* mutex);

    [LibraryImport("libc", EntryPoint = "pthread_mutex_consistent")]
    public static partial int MutexConsistent(byte* mutex);

    public const int FutexWait = 0, FutexWake = 1, EAgain = 11, EIntr = 4, ESrch = 3;

    /// <summary>The futex system call's number: 202 on x86-64, 98 on arm64.</summary>
    public static readonly nint FutexCall = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    /// <summary><c>syscall(SYS_futex, word, op, value, timeout, 0, 0)</c> on a word in shared memory (not FUTEX_PRIVATE: another process waits or wakes on it).</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Futex(nint number, int* word, nint operation, nint value, TimeSpec* timeout, nint word2, nint value3);

    /// <summary><c>kill(pid, 0)</c>: whether a process exists (ESRCH when it does not).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
