namespace ActorParallel.Tests.Support;

/// <summary>Looks at and ends OS processes by pid, including ones this test process did not start.</summary>
public static class OsProcesses
{
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
    public static async Task<bool> AllGoneWithin(IEnumerable<int> pids, TimeSpan timeout)
    {
        var remaining = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            remaining.RemoveAll(pid => !IsAlive(pid));
            if (remaining.Count == 0)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            // No event announces the death of a process we are not the parent of: poll /proc.
            await Task.Delay(25);
        }
    }
}
