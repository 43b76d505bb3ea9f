using System.Runtime.InteropServices;

namespace ActorParallel.Memory;

/// <summary>
/// Makes the pages of a large array that is about to be filled from a socket present at once. A new
/// array of a megabyte or more lies in memory the process has not touched yet: filled 4 KiB page by
/// page, each page is a fault into the kernel, which cost the driver's link readers more than the
/// copy itself (bytes_from_workers: faults ~12% of all samples against ~3% copying, with perf). One
/// <c>madvise(MADV_POPULATE_WRITE)</c> call makes them all present (Linux 5.14 and later; elsewhere,
/// or when the kernel refuses, the pages fault in as before).
/// </summary>
internal static unsafe class Prefault
{
    /// <summary>Arrays smaller than this are left alone: their few faults cost less than the call.</summary>
    public const long MinimumBytes = 256 * 1024;

    private const long PageBytes = 4096;

    private static bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>Makes the whole pages inside the first <paramref name="bytes"/> bytes of <paramref name="array"/> present.</summary>
    public static void Populate(Array array, long bytes)
    {
        if (bytes < MinimumBytes || Volatile.Read(ref s_unsupported))
        {
            return;
        }
        // A large array lives in the large object heap, which does not move it; pinned for the call anyway.
        fixed (byte* data = &MemoryMarshal.GetArrayDataReference(array))
        {
            var start = ((long)data + PageBytes - 1) & ~(PageBytes - 1);
            var end = ((long)data + bytes) & ~(PageBytes - 1);
            if (end > start && Libc.Madvise((nint)start, (nuint)(end - start), Libc.MadvPopulateWrite) != 0)
            {
                // An older kernel (EINVAL): never asked again.
                Volatile.Write(ref s_unsupported, true);
            }
        }
    }
}
