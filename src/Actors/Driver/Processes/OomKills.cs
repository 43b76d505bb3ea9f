namespace ActorParallel.Driver;

/// <summary>
/// The kernel's count of processes its OOM killer ended, where a worker runs: the <c>oom_kill</c>
/// counter of the worker's memory cgroup (cgroup v2 <c>memory.events</c>, which counts the cgroup and
/// those below it; cgroup v1 <c>memory.oom_control</c>, Linux 4.13+, which counts the cgroup only), or,
/// without one, the machine's (<c>/proc/vmstat</c>). The kernel counts a kill in the victim's own
/// cgroup whichever limit was hit, so a SIGKILL this driver did not send, arriving while the counter
/// of the worker's cgroup rose, is the OOM killer's. (Measured on this project's machine, cgroup v1:
/// a process in a child cgroup limited to 64 MB that touched 200 MB died of SIGKILL, and that cgroup's
/// <c>oom_kill</c> went 0 → 1, its parent's stayed 0, <c>/proc/vmstat</c>'s rose by 1.)
/// </summary>
internal static class OomKills
{
    private const string CounterKey = "oom_kill";
    private const string MachineCounter = "/proc/vmstat";

    /// <summary>
    /// The counter that covers process <paramref name="pid"/> and its value now; <see langword="null"/>
    /// where none is readable (not Linux, the process is gone, no procfs).
    /// </summary>
    public static OomKillCount? Read(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        foreach (var (description, file) in CgroupCounters(pid))
        {
            if (ReadCounter(file) is { } count)
            {
                return new OomKillCount(description, file, count);
            }
        }
        return ReadCounter(MachineCounter) is { } machine ? new OomKillCount("the machine (/proc/vmstat)", MachineCounter, machine) : null;
    }

    /// <summary>
    /// Says how the counter rose since <paramref name="before"/> (e.g. <c>memory cgroup /a/b: oom_kill 0 → 1</c>),
    /// or <see langword="null"/> if it did not or cannot be read.
    /// </summary>
    public static string? RoseSince(OomKillCount? before)
    {
        if (before is null || ReadCounter(before.File) is not { } now || now <= before.Count)
        {
            return null;
        }
        return $"{before.Description}: {CounterKey} {before.Count} → {now}";
    }

    /// <summary>The OOM-kill counter files of the memory cgroup <paramref name="pid"/> is in, v1 first (where both exist, v1 is where the memory controller is).</summary>
    private static IEnumerable<(string Description, string File)> CgroupCounters(int pid)
    {
        string[] memberships;
        string[] mounts;
        try
        {
            memberships = File.ReadAllLines($"/proc/{pid}/cgroup");
            mounts = File.ReadAllLines("/proc/self/mountinfo");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        // Each line: hierarchy-id:controllers:path (v2's is 0::path).
        var v1 = memberships.Select(line => line.Split(':', 3)).FirstOrDefault(parts => parts.Length == 3 && parts[1].Split(',').Contains("memory"));
        var v2 = memberships.Select(line => line.Split(':', 3)).FirstOrDefault(parts => parts.Length == 3 && parts[0] == "0" && parts[1].Length == 0);
        if (v1 is not null && CgroupDirectory(mounts, "cgroup", "memory", v1[2]) is { } v1Directory)
        {
            yield return ($"memory cgroup {v1[2]}", Path.Combine(v1Directory, "memory.oom_control"));
        }
        if (v2 is not null && CgroupDirectory(mounts, "cgroup2", null, v2[2]) is { } v2Directory)
        {
            yield return ($"memory cgroup {v2[2]}", Path.Combine(v2Directory, "memory.events"));
        }
    }

    /// <summary>
    /// Where cgroup <paramref name="path"/> is in the file system: under the mount of that hierarchy
    /// (a mountinfo line: id parent major:minor root mount-point options ... - type source super-options),
    /// whose root may itself be a cgroup (inside a container).
    /// </summary>
    private static string? CgroupDirectory(string[] mounts, string type, string? controller, string path)
    {
        foreach (var line in mounts)
        {
            var halves = line.Split(" - ", 2);
            if (halves.Length != 2)
            {
                continue;
            }
            var fields = halves[0].Split(' ');
            var tail = halves[1].Split(' ');
            if (fields.Length < 5 || tail.Length < 3 || tail[0] != type || (controller is not null && !tail[2].Split(',').Contains(controller)))
            {
                continue;
            }
            var (root, mountPoint) = (fields[3], fields[4]);
            if (root == "/")
            {
                return mountPoint + path;
            }
            if (path == root || path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return mountPoint + path[root.Length..];
            }
        }
        return null;
    }

    /// <summary>The <c>oom_kill N</c> line of a counter file; <see langword="null"/> if the file or the line is missing.</summary>
    private static long? ReadCounter(string file)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith(CounterKey + " ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(CounterKey.Length + 1), out var count))
                {
                    return count;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Gone or not readable: no evidence either way.
        }
        return null;
    }
}

/// <summary>An OOM-kill counter and its value at one moment.</summary>
/// <param name="Description">What it counts, e.g. <c>memory cgroup /a/b</c>.</param>
/// <param name="File">The file it is read from.</param>
/// <param name="Count">Its value then.</param>
internal sealed record OomKillCount(string Description, string File, long Count);
