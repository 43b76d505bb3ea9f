using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>
/// The workloads of shared/peers/python/mp_bench.py, with the same names, item counts and
/// 2-worker default, run through ActorParallel.
/// </summary>
internal static class Workloads
{
    public static readonly string[] Names =
        ["pool_startup", "pool_map", "pool_map_chunksize1", "pool_imap_stream", "cpu_speedup",
         "apply_async", "process_lifecycle", "manager_list_parent", "manager_list_workers", "shared_value_increments", "shared_array_fill",
         "bytes_to_workers", "bytes_from_workers", "large_item", "queue_throughput", "pipe_roundtrip"];

    /// <summary>Whether a workload has used the default runtime yet (the first one pays for its ActorSystem).</summary>
    private static bool s_runtimeStarted;

    public static async Task<Row> RunAsync(string name, int processes, double scale)
    {
        try
        {
            return await Run(name, processes, scale);
        }
        finally
        {
            s_runtimeStarted = true;
        }
    }

    private static async Task<Row> Run(string name, int processes, double scale) => name switch
    {
        "pool_startup" => await PoolStartup(processes),
        "pool_map" => await PoolMap(processes, (int)(1_000_000 * scale)),
        "pool_map_chunksize1" => await PoolMapChunkSize1(processes, (int)(100_000 * scale)),
        "pool_imap_stream" => await PoolImapStream(processes, (int)(1_000_000 * scale)),
        "cpu_speedup" => await CpuSpeedup(processes, 8, (int)(120_000 * scale)),
        "apply_async" => await ApplyAsyncMany(processes, (int)(20_000 * scale)),
        "process_lifecycle" => await SharedWorkloads.ProcessLifecycle(5),
        "manager_list_parent" => await SharedWorkloads.ManagerListParent((int)(10_000 * scale)),
        "manager_list_workers" => await SharedWorkloads.ManagerListWorkers(5, (int)(2_000 * scale)),
        "shared_value_increments" => await SharedWorkloads.SharedValueIncrements(processes, (int)(10_000 * scale)),
        "shared_array_fill" => await MemoryWorkloads.SharedArrayFill(processes, (int)(200_000 * scale)),
        "bytes_to_workers" => await LargeValues.BytesToWorkers(processes, (int)(200 * scale), 1 << 20),
        "bytes_from_workers" => await LargeValues.BytesFromWorkers(processes, (int)(200 * scale), 1 << 20),
        "large_item" => await LargeValues.LargeItem(processes, (int)((256 << 20) * scale)),
        "queue_throughput" => await QueueWorkloads.QueueThroughput((int)(100_000 * scale)),
        "pipe_roundtrip" => await QueueWorkloads.PipeRoundtrip((int)(20_000 * scale)),
        _ => throw new ArgumentException($"Unknown workload '{name}'. Workloads: {string.Join(", ", Names)}."),
    };

    public static int Square(int x) => x * x;

    public static long SquareLong(int x) => (long)x * x;

    /// <summary>
    /// The same trial division as mp_bench.py's count_primes. Compiled fully optimized at its first
    /// call, so that the driver's sequential run, Parallel.For and the workers all run the same code
    /// from the start: left to tiered compilation, this ReadyToRun method is recompiled after 30
    /// calls with profiling probes that made it ~4 times slower for its next 30, which each process
    /// reached in a different round.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int CountPrimes(int limit)
    {
        var count = 0;
        for (var n = 2; n < limit; n++)
        {
            var r = (int)Math.Sqrt(n);
            var prime = true;
            for (var d = 2; d <= r; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// Pool(n) until the first result is back, with the driver's runtime up (as CPython's
    /// multiprocessing is imported before its timer starts, and as an Akka application's
    /// ActorSystem is). When this is the program's first pool, that first start, which also starts
    /// the driver's ActorSystem, is measured too and reported as <c>cold_ms</c>.
    /// </summary>
    private static async Task<Row> PoolStartup(int processes)
    {
        double? cold = s_runtimeStarted ? null : Math.Round((await TimePoolStartup(processes)).TotalMilliseconds);
        // Let the runtime settle, as an application's would have before it needs a pool.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var warm = await TimePoolStartup(processes);
        return cold is { } coldMs
            ? Row.Of("pool_startup", processes, warm, ("processes", processes), ("cold_ms", coldMs))
            : Row.Of("pool_startup", processes, warm, ("processes", processes));
    }

    private static async Task<TimeSpan> TimePoolStartup(int processes)
    {
        var watch = Stopwatch.StartNew();
        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, processes), chunkSize: 1);
        return watch.Elapsed;
    }

    private static async Task<Row> PoolMap(int processes, int n)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, 1000));
        var input = Enumerable.Range(0, n).ToArray();
        var watch = Stopwatch.StartNew();
        var result = await pool.MapAsync(SquareLong, input);
        var elapsed = watch.Elapsed;
        Check(result.Length == n && result[^1] == (long)(n - 1) * (n - 1), "pool_map results");
        return Row.Of("pool_map", n, elapsed, ("processes", processes), ("chunksize", "default"));
    }

    /// <summary>Individually submitted calls, as mp_bench.py's apply_async: n calls of square(i), then every result.</summary>
    private static async Task<Row> ApplyAsyncMany(int processes, int n)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, 1000));
        var watch = Stopwatch.StartNew();
        var pending = new Task<long>[n];
        for (var i = 0; i < n; i++)
        {
            var item = i;
            pending[i] = pool.ApplyAsync(() => SquareLong(item));
        }
        var total = 0L;
        foreach (var result in pending)
        {
            total += await result;
        }
        var elapsed = watch.Elapsed;
        Check(total == Enumerable.Range(0, n).Sum(i => (long)i * i), "apply_async results");
        return Row.Of("apply_async", n, elapsed, ("processes", processes));
    }

    private static async Task<Row> PoolMapChunkSize1(int processes, int n)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, 1000));
        var input = Enumerable.Range(0, n).ToArray();
        var watch = Stopwatch.StartNew();
        var result = await pool.MapAsync(Square, input, chunkSize: 1);
        var elapsed = watch.Elapsed;
        Check(result.Length == n && result[^1] == (n - 1) * (n - 1), "pool_map_chunksize1 results");
        return Row.Of("pool_map_chunksize1", n, elapsed, ("processes", processes), ("chunksize", 1));
    }

    private static async Task<Row> PoolImapStream(int processes, int n)
    {
        await using var pool = new Pool(processes);
        var watch = Stopwatch.StartNew();
        long total = 0;
        await foreach (var value in pool.IMap(SquareLong, Generate(n), chunkSize: 1000))
        {
            total += value;
        }
        var elapsed = watch.Elapsed;
        long expected = 0;
        for (long i = 0; i < n; i++)
        {
            expected += i * i;
        }
        Check(total == expected, "pool_imap_stream sum");
        return Row.Of("pool_imap_stream", n, elapsed, ("processes", processes), ("chunksize", 1000));
    }

    /// <summary>Timed rounds of cpu_speedup (see <see cref="CpuSpeedup"/>).</summary>
    private const int CpuSpeedupRounds = 21;

    /// <summary>Untimed rounds before them, in fours with a pause after each four.</summary>
    private const int CpuSpeedupWarmUpRounds = 32;

    /// <summary>
    /// mp_bench.py's cpu_speedup: 8 items of count_primes, sequential in this process, then mapped
    /// with chunk size 1 over a warmed pool of 2. The work is ~25 times faster in .NET than in
    /// CPython, so one run is ~60 ms, where one descheduling by the host moves the ratio by tenths.
    /// So it is measured in rounds: each times the sequential run, in-process Parallel.For and the
    /// pool back to back (the two parallel runs taking turns at going first), so that the machine's
    /// noise of the moment falls on all three, and the median round's ratios are reported, with the
    /// spread and the pool's very first map (<c>speedup_cold</c>) beside them.
    /// Before the timed rounds come untimed ones: .NET recompiles a method after 30 calls (twice:
    /// first with profiling probes, then optimized), and in the first ~30 rounds the workers' and the
    /// driver's background compiler took 0.5-0.7 s of CPU away from the work on this 2-core machine
    /// (measured per thread from /proc: 50-70 ms once warm). CPython's script warms its pool too, with
    /// a map of square; it has no compiler to wait for.
    /// </summary>
    private static async Task<Row> CpuSpeedup(int processes, int items, int limit)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, processes), chunkSize: 1);
        var cold = await Round(0);
        for (var round = 1; round < CpuSpeedupWarmUpRounds; round++)
        {
            await Round(round);
            if (round % 4 == 3)
            {
                await Task.Delay(150);
            }
        }
        var rounds = new List<(TimeSpan Sequential, TimeSpan ParallelFor, TimeSpan Pool)>();
        for (var round = 0; round < CpuSpeedupRounds; round++)
        {
            rounds.Add(await Round(round));
        }
        var speedups = rounds.Select(r => r.Sequential / r.Pool).ToArray();
        return Row.Of("cpu_speedup", items, Median(rounds.Select(r => r.Pool)),
            ("processes", processes),
            ("rounds", CpuSpeedupRounds),
            ("sequential_seconds", Math.Round(Median(rounds.Select(r => r.Sequential)).TotalSeconds, 6)),
            ("speedup", Math.Round(Median(speedups), 3)),
            ("speedup_min", Math.Round(speedups.Min(), 3)),
            ("speedup_max", Math.Round(speedups.Max(), 3)),
            ("speedup_cold", Math.Round(cold.Sequential / cold.Pool, 3)),
            ("parallel_for_seconds", Math.Round(Median(rounds.Select(r => r.ParallelFor)).TotalSeconds, 6)),
            ("parallel_for_speedup", Math.Round(Median(rounds.Select(r => r.Sequential / r.ParallelFor)), 3)),
            ("vs_parallel_for", Math.Round(Median(rounds.Select(r => r.ParallelFor / r.Pool)), 3)),
            ("limit", limit));

        async Task<(TimeSpan Sequential, TimeSpan ParallelFor, TimeSpan Pool)> Round(int round)
        {
            var watch = Stopwatch.StartNew();
            var sequential = Enumerable.Range(0, items).Select(_ => CountPrimes(limit)).ToArray();
            var sequentialTime = watch.Elapsed;

            // The two parallel runs take turns at going first.
            var inProcess = new int[items];
            var parallelForTime = TimeSpan.Zero;
            if (round % 2 == 1)
            {
                parallelForTime = TimeParallelFor();
            }
            watch.Restart();
            var parallel = await pool.MapAsync(CountPrimes, Enumerable.Repeat(limit, items).ToArray(), chunkSize: 1);
            var poolTime = watch.Elapsed;
            if (round % 2 == 0)
            {
                parallelForTime = TimeParallelFor();
            }
            Check(parallel.SequenceEqual(sequential) && inProcess.SequenceEqual(sequential), "cpu_speedup results");
            return (sequentialTime, parallelForTime, poolTime);

            TimeSpan TimeParallelFor()
            {
                var started = Stopwatch.StartNew();
                Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = processes }, i => inProcess[i] = CountPrimes(limit));
                return started.Elapsed;
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> values) => TimeSpan.FromTicks((long)Median(values.Select(v => (double)v.Ticks)));

    private static IEnumerable<int> Generate(int n)
    {
        for (var i = 0; i < n; i++)
        {
            yield return i;
        }
    }

    internal static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Wrong {what}.");
        }
    }
}
