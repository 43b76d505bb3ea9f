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
         "process_lifecycle", "manager_list_parent", "manager_list_workers", "shared_value_increments"];

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
        "process_lifecycle" => await SharedWorkloads.ProcessLifecycle(5),
        "manager_list_parent" => await SharedWorkloads.ManagerListParent((int)(10_000 * scale)),
        "manager_list_workers" => await SharedWorkloads.ManagerListWorkers(5, (int)(2_000 * scale)),
        "shared_value_increments" => await SharedWorkloads.SharedValueIncrements(processes, (int)(10_000 * scale)),
        _ => throw new ArgumentException($"Unknown workload '{name}'. Workloads: {string.Join(", ", Names)}."),
    };

    public static int Square(int x) => x * x;

    public static long SquareLong(int x) => (long)x * x;

    /// <summary>The same trial division as mp_bench.py's count_primes.</summary>
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

    private static async Task<Row> CpuSpeedup(int processes, int items, int limit)
    {
        var watch = Stopwatch.StartNew();
        var sequential = Enumerable.Range(0, items).Select(_ => CountPrimes(limit)).ToArray();
        var sequentialTime = watch.Elapsed;

        watch.Restart();
        var inProcess = new int[items];
        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = processes }, i => inProcess[i] = CountPrimes(limit));
        var parallelForTime = watch.Elapsed;

        await using var pool = new Pool(processes);
        await pool.MapAsync(Square, Enumerable.Range(0, processes), chunkSize: 1);
        watch.Restart();
        var parallel = await pool.MapAsync(CountPrimes, Enumerable.Repeat(limit, items).ToArray(), chunkSize: 1);
        var parallelTime = watch.Elapsed;
        Check(parallel.SequenceEqual(sequential) && inProcess.SequenceEqual(sequential), "cpu_speedup results");
        return Row.Of("cpu_speedup", items, parallelTime,
            ("processes", processes),
            ("sequential_seconds", Math.Round(sequentialTime.TotalSeconds, 6)),
            ("speedup", Math.Round(sequentialTime / parallelTime, 3)),
            ("parallel_for_seconds", Math.Round(parallelForTime.TotalSeconds, 6)),
            ("vs_parallel_for", Math.Round(parallelForTime / parallelTime, 3)),
            ("limit", limit));
    }

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
