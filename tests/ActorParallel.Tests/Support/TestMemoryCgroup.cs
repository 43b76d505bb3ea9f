namespace ActorParallel.Tests.Support;

/// <summary>
/// A memory cgroup of a test's own, below this test process's (cgroup v1, which this project's machine
/// has; needs root), with a small limit, and a worker executable that moves itself into it before it
/// runs the Host: so the kernel's own OOM killer, not a simulation, ends a worker that takes too much.
/// Disposing kills whatever is still in it and removes it.
/// </summary>
public sealed class TestMemoryCgroup : IDisposable
{
    private static readonly Lazy<string?> s_parent = new(FindWritableParent);

    private TestMemoryCgroup(string directory, string wrapper)
    {
        Directory = directory;
        WorkerExecutable = wrapper;
    }

    /// <summary>Why no cgroup can be made here, or <see langword="null"/> if one can.</summary>
    public static string? Unavailable => s_parent.Value is null
        ? "needs a writable cgroup v1 memory hierarchy (root, /sys/fs/cgroup/memory) to run a worker under the kernel's OOM killer"
        : null;

    /// <summary>The cgroup's folder.</summary>
    public string Directory { get; }

    /// <summary>A script to use as <see cref="ParallelRuntimeOptions.WorkerHostPath"/>: it enters the cgroup, then execs ActorParallel.Host.</summary>
    public string WorkerExecutable { get; }

    /// <summary>The cgroup's own count of processes the OOM killer ended in it.</summary>
    public long OomKills => long.Parse(File.ReadLines(Path.Combine(Directory, "memory.oom_control")).Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal))["oom_kill ".Length..]);

    /// <summary>Makes a cgroup limited to <paramref name="limitBytes"/> of memory.</summary>
    public static TestMemoryCgroup Create(long limitBytes, string scratch)
    {
        var parent = s_parent.Value;
        if (!OperatingSystem.IsLinux() || parent is null)
        {
            throw new InvalidOperationException(Unavailable);
        }
        var directory = Path.Combine(parent, $"actorparallel-test-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "memory.limit_in_bytes"), limitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var host = Path.Combine(AppContext.BaseDirectory, "ActorParallel.Host");
        var wrapper = Path.Combine(scratch, "worker-in-cgroup.sh");
        File.WriteAllText(wrapper, $"#!/bin/sh\necho $$ > '{Path.Combine(directory, "cgroup.procs")}' || exit 97\nexec '{host}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new TestMemoryCgroup(directory, wrapper);
    }

    public void Dispose()
    {
        var pids = File.ReadAllLines(Path.Combine(Directory, "cgroup.procs")).Select(int.Parse).ToList();
        pids.ForEach(OsProcesses.KillQuietly);
        // A process leaves its cgroup as it exits; an empty cgroup can be removed.
        OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(10)).Wait();
        System.IO.Directory.Delete(Directory);
    }

    /// <summary>This process's memory cgroup folder (v1), if a child can be made in it.</summary>
    private static string? FindWritableParent()
    {
        try
        {
            var own = File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"));
            var parent = own is null ? null : "/sys/fs/cgroup/memory" + own[2].TrimEnd('/');
            if (parent is null || !File.Exists(Path.Combine(parent, "memory.oom_control")))
            {
                return null;
            }
            var probe = Path.Combine(parent, $"actorparallel-probe-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(probe);
            System.IO.Directory.Delete(probe);
            return parent;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>A fact that needs <see cref="TestMemoryCgroup"/>: skipped, saying why, where no memory cgroup can be made.</summary>
public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    public MemoryCgroupFactAttribute()
    {
        if (TestMemoryCgroup.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
