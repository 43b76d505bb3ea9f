using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>mp_bench.py's Manager and Value workloads, through <see cref="Manager"/>.</summary>
internal static class SharedWorkloads
{
    public static async Task<Row> ProcessLifecycle(int processes)
    {
        await using var manager = await Manager.StartAsync();
        var shared = manager.List<int>();
        var watch = Stopwatch.StartNew();
        var jobs = Enumerable.Range(0, processes).Select(i => new WorkerProcess(AppendTo, shared, i)).ToList();
        await StartAndJoinAsync(jobs);
        var elapsed = watch.Elapsed;
        Workloads.Check((await shared.ToListAsync()).Order().SequenceEqual(Enumerable.Range(0, processes)), "process_lifecycle list");
        return Row.Of("process_lifecycle", processes, elapsed, ("processes", processes));
    }

    public static async Task<Row> ManagerListParent(int n)
    {
        await using var manager = await Manager.StartAsync();
        var shared = manager.List<int>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            shared.Append(i);
        }
        await shared.FlushAsync();
        var elapsed = watch.Elapsed;
        Workloads.Check(await shared.CountAsync() == n, "manager_list_parent count");
        return Row.Of("manager_list_parent", n, elapsed);
    }

    public static async Task<Row> ManagerListWorkers(int processes, int perWorker)
    {
        await using var manager = await Manager.StartAsync();
        var shared = manager.List<int>();
        var watch = Stopwatch.StartNew();
        var jobs = Enumerable.Range(0, processes).Select(w => new WorkerProcess(AppendMany, shared, w * perWorker, perWorker)).ToList();
        await StartAndJoinAsync(jobs);
        var elapsed = watch.Elapsed;
        Workloads.Check((await shared.ToListAsync()).Order().SequenceEqual(Enumerable.Range(0, processes * perWorker)), "manager_list_workers list");
        return Row.Of("manager_list_workers", processes * perWorker, elapsed, ("processes", processes));
    }

    /// <summary>
    /// Value('i', 0) incremented by each process: on a shared-memory <see cref="SynchronizedValue{T}"/>
    /// with its atomic add (the row's figure), beside the same under its lock (mp_bench.py's
    /// <c>with counter.get_lock(): counter.value += 1</c>) and on a <see cref="Manager"/> value, in the same run.
    /// </summary>
    public static async Task<Row> SharedValueIncrements(int processes, int perWorker)
    {
        // Untimed: the first processes of a run also start the driver's runtime; the three figures below start warm.
        await MemoryWorkloads.ValueIncrements(processes, 1, underLock: false);
        var atomic = await MemoryWorkloads.ValueIncrements(processes, perWorker, underLock: false);
        var locked = await MemoryWorkloads.ValueIncrements(processes, perWorker, underLock: true);
        await using var manager = await Manager.StartAsync();
        var counter = manager.Value(0L);
        var watch = Stopwatch.StartNew();
        var jobs = Enumerable.Range(0, processes).Select(_ => new WorkerProcess(AddTo, counter, perWorker)).ToList();
        await StartAndJoinAsync(jobs);
        var managed = watch.Elapsed;
        Workloads.Check(await counter.GetAsync() == processes * perWorker, "shared_value_increments value");
        var total = processes * perWorker;
        return Row.Of("shared_value_increments", total, atomic, ("processes", processes), ("value", "SynchronizedValue<long>.Add"),
            ("under_lock_per_second", Math.Round(total / locked.TotalSeconds, 1)),
            ("manager_per_second", Math.Round(total / managed.TotalSeconds, 1)));
    }

    internal static async Task StartAndJoinAsync(List<WorkerProcess> jobs)
    {
        foreach (var job in jobs)
        {
            await job.StartAsync();
        }
        foreach (var job in jobs)
        {
            await job.JoinAsync();
        }
    }

    private static void AppendTo(SharedList<int> shared, int value) => shared.Append(value);

    private static void AppendMany(SharedList<int> shared, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            shared.Append(i);
        }
    }

    private static void AddTo(SharedValue<long> counter, int times)
    {
        for (var i = 0; i < times; i++)
        {
            counter.Add(1);
        }
    }
}
