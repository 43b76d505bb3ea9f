using System.Runtime.InteropServices;

namespace ActorParallel.Tests.Support;

/// <summary>Looks at and ends OS processes by pid, including ones this test process did not start.</summary>
public static class OsProcesses
{
    /// <summary>The process's resident memory in bytes (<c>VmRSS</c> of /proc/PID/status), 0 once it is gone.</summary>
    public static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
        return 0;
    }

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        // The state letter follows the command name, which is in parentheses and may contain spaces.
        var state = stat[(stat.LastIndexOf(')') + 2)..][0];
        return state is not ('Z' or 'X');
    }

    /// <summary>
    /// Live worker processes launched for the ActorSystem named <paramref name="systemName"/>, found
    /// by the environment they started with (which the worker clears in-process, not in /proc).
    /// </summary>
    public static IReadOnlyList<int> WorkersOfSystem(string systemName)
    {
        var marker = $"ACTORPARALLEL_WORKER_SYSTEM={systemName}\0";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                if ((File.ReadAllText(Path.Combine(directory, "environ")) + "\0").Contains(marker, StringComparison.Ordinal) && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }
        }
        return found;
    }

    public static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>Waits until every pid is gone; false if any is still alive after <paramref name="timeout"/>.</summary>
    public static Task<bool> AllGoneWithin(IEnumerable<int> pids, TimeSpan timeout) => Task.Run(() =>
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var pid in pids)
        {
            var left = deadline - DateTime.UtcNow;
            if (!WaitForExit(pid, left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                return false;
            }
        }
        return true;
    });

    /// <summary>
    /// Waits for any process to end, including one this process is not the parent of: a pidfd
    /// (Linux 5.3+) becomes readable when its process terminates.
    /// </summary>
    private static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var fd = (int)PidfdOpen(SysPidfdOpen, pid, 0);
        if (fd < 0)
        {
            return !IsAlive(pid);
        }
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var request = new PollFd { Fd = fd, Events = PollIn };
                var left = Math.Max(0, (int)Math.Min(int.MaxValue, (deadline - DateTime.UtcNow).TotalMilliseconds));
                var ready = Poll(ref request, 1, left);
                if (ready > 0 && (request.Revents & PollIn) != 0)
                {
                    return true;
                }
                // A signal (the runtime's own, or SIGCHLD) interrupts poll: wait again for what is left.
                if (ready < 0 && Marshal.GetLastPInvokeError() == EIntr && DateTime.UtcNow < deadline)
                {
                    continue;
                }
                return !IsAlive(pid);
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Sends a POSIX signal (SIGSTOP 19, SIGCONT 18, ...); false if the process is gone.</summary>
    /// <summary>The parent pid of a live process, from /proc.</summary>
    public static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The live children of <paramref name="parent"/>, from /proc.</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(pid) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return children;
    }

    public static bool Signal(int pid, int signal) => SendSignal(pid, signal) == 0;

    public const int SigStop = 19, SigCont = 18, SigInt = 2, SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private const long SysPidfdOpen = 434;
    private const short PollIn = 1;
    private const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long PidfdOpen(long number, int pid, uint flags);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(ref PollFd fds, ulong count, int timeoutMilliseconds);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
