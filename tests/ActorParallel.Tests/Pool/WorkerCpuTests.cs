using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// Binding pool workers' compute threads to CPUs (<see cref="PoolOptions.PinWorkersToCpus"/>), read
/// back from the kernel: each worker's compute thread's <c>Cpus_allowed_list</c> in /proc.
/// </summary>
public sealed class WorkerCpuTests : RuntimeFixture
{
    private static readonly TimeSpan MapBound = TimeSpan.FromSeconds(90);

    // The compute thread is named "actorparallel-compute"; the kernel keeps 15 characters of a name.
    private const string ComputeThread = "actorparallel-c";

    [Fact]
    public async Task PinWorkersToCpus_Default_OneWorkerPerCpu_EachComputeThreadHasACpuOfItsOwn()
    {
        var cpus = AllowedCpus(Environment.ProcessId);
        // One worker per CPU binds by default; a machine with more than 4 CPUs is tested with 4 workers bound on request.
        var processes = Math.Min(cpus.Count, 4);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = processes, PinWorkersToCpus = cpus.Count <= 4 ? null : true });

        var pids = await WorkersThatRan(pool, processes);

        var bound = pids.Select(pid => AllowedCpus(ComputeThreadOf(pid))).ToList();
        if (cpus.Count == 1)
        {
            // Nothing to keep apart: the one worker is left alone.
            Assert.Equal(cpus, Assert.Single(bound));
            return;
        }
        Assert.All(bound, allowed => Assert.Single(allowed));
        Assert.Equal(cpus.Take(processes), bound.Select(allowed => allowed[0]).Order());
    }

    [Fact]
    public async Task PinWorkersToCpus_Default_FewerWorkersThanCpus_LeavesThemToTheKernel()
    {
        var cpus = AllowedCpus(Environment.ProcessId);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var pid = Assert.Single(await WorkersThatRan(pool, 1));

        Assert.Equal(cpus, AllowedCpus(ComputeThreadOf(pid)));
    }

    [Fact]
    public async Task PinWorkersToCpus_False_LeavesComputeThreadsUnbound()
    {
        var cpus = AllowedCpus(Environment.ProcessId);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, PinWorkersToCpus = false });

        var pids = await WorkersThatRan(pool, 2);

        Assert.All(pids, pid => Assert.Equal(cpus, AllowedCpus(ComputeThreadOf(pid))));
    }

    [Fact]
    public async Task PinWorkersToCpus_True_WorkerKilled_ReplacementTakesTheCpuItLeft()
    {
        var cpus = AllowedCpus(Environment.ProcessId);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, PinWorkersToCpus = true });
        var before = (await WorkersThatRan(pool, 2)).ToDictionary(pid => pid, pid => Assert.Single(AllowedCpus(ComputeThreadOf(pid))));
        // Two workers over the CPUs round-robin: different CPUs when there are two.
        Assert.Equal(Math.Min(2, cpus.Count), before.Values.Distinct().Count());

        var victim = before.Keys.Max();
        OsProcesses.KillQuietly(victim);
        var replacement = await ReplacementOf(pool, before.Keys);

        Assert.Equal([before[victim]], AllowedCpus(ComputeThreadOf(replacement)));
        var survivor = before.Keys.Single(pid => pid != victim);
        Assert.Equal([before[survivor]], AllowedCpus(ComputeThreadOf(survivor)));
    }

    /// <summary>
    /// Maps until every one of <paramref name="count"/> workers has returned a result: a worker binds
    /// its compute thread before it runs any chunk, so each of those has done so.
    /// </summary>
    private static async Task<IReadOnlyList<int>> WorkersThatRan(ActorParallel.Pool pool, int count)
    {
        var seen = new HashSet<int>();
        for (var attempt = 0; attempt < 20 && seen.Count < count; attempt++)
        {
            seen.UnionWith(await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 10 * count), chunkSize: 1).WaitAsync(MapBound));
        }
        Assert.Equal(count, seen.Count);
        return [.. seen];
    }

    /// <summary>
    /// Maps until a worker that is not one of <paramref name="previous"/> returns results: the
    /// replacement, which has bound its compute thread before running any chunk.
    /// </summary>
    private static async Task<int> ReplacementOf(ActorParallel.Pool pool, IReadOnlyCollection<int> previous)
    {
        var deadline = DateTime.UtcNow + MapBound;
        while (DateTime.UtcNow < deadline)
        {
            var ran = await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 20), chunkSize: 1).WaitAsync(MapBound);
            if (ran.Distinct().Except(previous).ToList() is [var replacement])
            {
                return replacement;
            }
        }
        throw new TimeoutException("No replacement worker ran a chunk.");
    }

    private static string ComputeThreadOf(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Single(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ComputeThread);

    private static List<int> AllowedCpus(int pid) => AllowedCpus($"/proc/{pid}");

    /// <summary>The CPUs a process or thread (its /proc folder) may run on, from the kernel's "0-3,6" form.</summary>
    private static List<int> AllowedCpus(string procFolder)
    {
        var line = File.ReadLines(Path.Combine(procFolder, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        var cpus = new List<int>();
        foreach (var part in line["Cpus_allowed_list:".Length..].Trim().Split(','))
        {
            var range = part.Split('-').Select(int.Parse).ToArray();
            cpus.AddRange(Enumerable.Range(range[0], range[^1] - range[0] + 1));
        }
        return cpus;
    }
}
