using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>mp_bench.py's shared-memory workloads (<c>Array</c>, <c>Value</c>) on ActorParallel's shared memory.</summary>
internal static class MemoryWorkloads
{
    /// <summary>
    /// <c>Array('d', n)</c>, synchronized as the tutorial makes it; each of the processes sets its slice
    /// element by element (every store takes the array's lock). Timed as mp_bench.py times it: from the
    /// array's creation, processes started and joined - on a runtime that keeps as many spare processes
    /// (<see cref="ParallelRuntimeOptions.SpareProcesses"/>, what Python's forkserver does with forks),
    /// waiting when the timed run starts. Beside it, the same on the default runtime, whose processes
    /// start cold, and each worker's own fill loop.
    /// </summary>
    public static async Task<Row> SharedArrayFill(int processes, int n)
    {
        // Untimed: the first processes of a run also start the driver's runtime (CPython's interpreter is up already).
        await FillOnce(ParallelRuntime.Default, processes, processes);
        var (cold, _) = await FillOnce(ParallelRuntime.Default, processes, n);
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { SpareProcesses = processes });
        await runtime.SparesWaitingAsync();
        await FillOnce(runtime, processes, processes);
        // The processes that ended were replaced by new spares; the timed run starts once they wait.
        await runtime.SparesWaitingAsync();
        var (elapsed, longestLoop) = await FillOnce(runtime, processes, n);
        return Row.Of("shared_array_fill", n, elapsed, ("processes", processes), ("spare_processes", processes),
            ("cold_start_seconds", Math.Round(cold.TotalSeconds, 6)),
            ("longest_fill_loop_seconds", Math.Round(longestLoop.TotalSeconds, 6)),
            ("in_workers_per_second", Math.Round(n / longestLoop.TotalSeconds, 1)));
    }

    private static async Task<(TimeSpan Elapsed, TimeSpan LongestLoop)> FillOnce(ParallelRuntime runtime, int processes, int n)
    {
        var watch = Stopwatch.StartNew();
        using var array = new SynchronizedArray<double>(n);
        using var loopTicks = new RawArray<long>(processes);
        var jobs = Enumerable.Range(0, processes)
            .Select(w => runtime.CreateProcess(Fill, array, loopTicks, w, (int)((long)w * n / processes), (int)((long)(w + 1) * n / processes)))
            .ToList();
        await SharedWorkloads.StartAndJoinAsync(jobs);
        var elapsed = watch.Elapsed;
        Workloads.Check(array[n - 1] == (n - 1) * 0.5 && array[0] == 0.0 && jobs.All(j => j.ExitCode == 0), "shared_array_fill array");
        var longestLoop = TimeSpan.FromSeconds(loopTicks.ToArray().Max() / (double)Stopwatch.Frequency);
        return (elapsed, longestLoop);
    }

    private static void Fill(SynchronizedArray<double> array, RawArray<long> loopTicks, int worker, int start, int end)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = start; i < end; i++)
        {
            array[i] = i * 0.5;
        }
        loopTicks[worker] = Stopwatch.GetTimestamp() - started;
    }

    /// <summary>A <see cref="SynchronizedValue{T}"/> incremented by processes with its atomic add; returns the elapsed time (processes started and joined).</summary>
    public static async Task<TimeSpan> ValueIncrements(int processes, int perWorker, bool underLock)
    {
        var watch = Stopwatch.StartNew();
        using var counter = new SynchronizedValue<long>();
        var jobs = Enumerable.Range(0, processes)
            .Select(_ => underLock ? new WorkerProcess(AddUnderLock, counter, perWorker) : new WorkerProcess(AddAtomically, counter, perWorker))
            .ToList();
        await SharedWorkloads.StartAndJoinAsync(jobs);
        var elapsed = watch.Elapsed;
        Workloads.Check(counter.Value == (long)processes * perWorker, "shared_value_increments value (shared memory)");
        return elapsed;
    }

    private static void AddAtomically(SynchronizedValue<long> counter, int times)
    {
        for (var i = 0; i < times; i++)
        {
            counter.Add(1);
        }
    }

    /// <summary>mp_bench.py's own form: <c>with counter.get_lock(): counter.value += 1</c>.</summary>
    private static void AddUnderLock(SynchronizedValue<long> counter, int times)
    {
        var gate = counter.GetLock();
        for (var i = 0; i < times; i++)
        {
            using (gate.Acquire())
            {
                counter.Value += 1;
            }
        }
    }
}
