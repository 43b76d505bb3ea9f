using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>
/// cpu_speedup with the pool's workers on Host nodes instead of beside the driver: a driver and N
/// Host nodes on this machine (each node is this program in node mode, with one worker), every
/// connection mutual TLS. Measured in the same run as a local pool of N on the same work, so the
/// ratio shows what the cluster path costs per item.
/// </summary>
internal static class NodesCpuSpeedup
{
    public const string Name = "cpu_speedup_nodes";
    private const string NodeArgument = "--host-node";
    internal const string Password = "benchmark";
    private const int Rounds = 3;

    public static async Task<Row> MeasureAsync(int processes, double scale)
    {
        // Eight times cpu_speedup's items: its 8 are over in ~100 ms, where one GC or a late thread
        // decides the ratio.
        const int items = 64;
        var limit = (int)(120_000 * scale);
        var folder = Directory.CreateTempSubdirectory("actorparallel-bench-nodes-").FullName;
        var certificate = Path.Combine(folder, "cluster.pfx");
        ClusterCertificate.CreateFile(certificate, Password);
        var nodes = new List<Process>();
        try
        {
            await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions { CertificatePath = certificate, CertificatePassword = Password });
            var seed = await driver.AcceptHostNodesAsync();
            for (var i = 0; i < processes; i++)
            {
                nodes.Add(StartNode(seed, certificate));
            }
            await driver.WaitForHostNodesAsync(processes, TimeSpan.FromSeconds(60));

            var watch = Stopwatch.StartNew();
            var sequential = Enumerable.Range(0, items).Select(_ => Workloads.CountPrimes(limit)).ToArray();
            var sequentialTime = watch.Elapsed;
            // Both pools live side by side and take turns, so that the machine's noise falls on both alike;
            // each one's best round counts.
            await using var local = driver.CreatePool(new PoolOptions { Processes = processes });
            await using var remote = driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
            await Warm(local, limit);
            await Warm(remote, limit);
            var localTime = TimeSpan.MaxValue;
            var nodesTime = TimeSpan.MaxValue;
            for (var round = 0; round < Rounds; round++)
            {
                localTime = Min(localTime, await TimeMap(local, items, limit, sequential));
                nodesTime = Min(nodesTime, await TimeMap(remote, items, limit, sequential));
            }
            return Row.Of(Name, items, nodesTime,
                ("processes", processes),
                ("rounds", Rounds),
                ("sequential_seconds", Math.Round(sequentialTime.TotalSeconds, 6)),
                ("speedup", Math.Round(sequentialTime / nodesTime, 3)),
                ("local_speedup", Math.Round(sequentialTime / localTime, 3)),
                ("vs_local", Math.Round(localTime / nodesTime, 3)),
                ("limit", limit));
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Kill(entireProcessTree: true);
                node.WaitForExit();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Node mode: <c>--host-node SEED CERTIFICATE</c> runs this program as a Host node whose workers are this program too.</summary>
    public static async Task<int?> RunNodeIfAskedAsync(string[] args)
    {
        if (args is not [NodeArgument, var seed, var certificate])
        {
            return null;
        }
        await using var node = ParallelRuntime.CreateHostNode([seed], new ParallelRuntimeOptions
        {
            WorkerStart = WorkerStart.Self,
            CertificatePath = certificate,
            CertificatePassword = Password,
        }, workers: 1);
        await node.System.WhenTerminated;
        return 0;
    }

    /// <summary>Every worker runs the function once, so that no round pays for its JIT.</summary>
    private static Task Warm(Pool pool, int limit) =>
        pool.MapAsync(Workloads.CountPrimes, Enumerable.Repeat(limit, pool.Processes * 2).ToArray(), chunkSize: 1);

    private static async Task<TimeSpan> TimeMap(Pool pool, int items, int limit, int[] expected)
    {
        var watch = Stopwatch.StartNew();
        var results = await pool.MapAsync(Workloads.CountPrimes, Enumerable.Repeat(limit, items).ToArray(), chunkSize: 1);
        var elapsed = watch.Elapsed;
        if (!results.SequenceEqual(expected))
        {
            throw new InvalidOperationException($"{Name}: wrong results");
        }
        return elapsed;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    internal static Process StartNode(string seed, string certificate)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(NodesCpuSpeedup).Assembly.Location);
        }
        foreach (var argument in new[] { NodeArgument, seed, certificate })
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a Host node.");
    }
}
