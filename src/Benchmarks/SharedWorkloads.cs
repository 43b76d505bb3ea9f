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

    public static async Task<Row> SharedValueIncrements(int processes, int perWorker)
    {
        await using var manager = await Manager.StartAsync();
        var counter = manager.Value(0L);
        var watch = Stopwatch.StartNew();
        var jobs = Enumerable.Range(0, processes).Select(_ => new WorkerProcess(AddTo, counter, perWorker)).ToList();
        await StartAndJoinAsync(jobs);
        var elapsed = watch.Elapsed;
        Workloads.Check(await counter.GetAsync() == processes * perWorker, "shared_value_increments value");
        return Row.Of("shared_value_increments", processes * perWorker, elapsed, ("processes", processes));
    }

    private static async Task StartAndJoinAsync(List<WorkerProcess> jobs)
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
