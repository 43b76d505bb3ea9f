using System.Runtime.InteropServices;

namespace ActorParallel.Workers;

/// <summary>
/// The CPUs this process may run on, and binding the calling thread to one of them. Linux only:
/// elsewhere the allowed CPUs are unknown (<see langword="null"/>) and nothing is bound.
/// </summary>
internal static partial class CpuAffinity
{
    // Room for 1024 CPUs, as glibc's cpu_set_t.
    private const int MaskBytes = 128;

    /// <summary>The CPUs the calling thread may run on, in ascending order; <see langword="null"/> when that cannot be known here.</summary>
    public static IReadOnlyList<int>? AllowedCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        Span<byte> mask = stackalloc byte[MaskBytes];
        if (GetAffinity(0, MaskBytes, ref MemoryMarshal.GetReference(mask)) != 0)
        {
            return null;
        }
        var cpus = new List<int>();
        for (var cpu = 0; cpu < MaskBytes * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }

    /// <summary>Binds the calling thread to <paramref name="cpu"/>; <see langword="false"/> when it could not be (not Linux, or a CPU this process may not use).</summary>
    public static bool PinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu < 0 || cpu >= MaskBytes * 8)
        {
            return false;
        }
        Span<byte> mask = stackalloc byte[MaskBytes];
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return SetAffinity(0, MaskBytes, ref MemoryMarshal.GetReference(mask)) == 0;
    }

    // pid 0: the calling thread.
    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int GetAffinity(int pid, nuint size, ref byte mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SetAffinity(int pid, nuint size, ref byte mask);
}
