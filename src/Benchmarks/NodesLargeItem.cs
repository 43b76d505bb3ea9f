using System.Diagnostics;

namespace ActorParallel.Benchmarks;

/// <summary>
/// large_item through a Host node: one 256 MiB item to a worker on a Host node on this machine and one
/// 256 MiB result back, over mutual TLS (in segments through Akka.Remote), beside the same on a local
/// worker (over its direct link) in the same run, taking turns; each one's best round counts.
/// </summary>
internal static class NodesLargeItem
{
    public const string Name = "large_item_nodes";
    private const int Rounds = 3;

    public static async Task<Row> MeasureAsync(double scale)
    {
        var size = (int)((256 << 20) * scale);
        var folder = Directory.CreateTempSubdirectory("actorparallel-bench-large-").FullName;
        var certificate = Path.Combine(folder, "cluster.pfx");
        ClusterCertificate.CreateFile(certificate, NodesCpuSpeedup.Password);
        Process? node = null;
        try
        {
            await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions { CertificatePath = certificate, CertificatePassword = NodesCpuSpeedup.Password });
            var seed = await driver.AcceptHostNodesAsync();
            node = NodesCpuSpeedup.StartNode(seed, certificate);
            await driver.WaitForHostNodesAsync(1, TimeSpan.FromSeconds(60));
            await using var local = driver.CreatePool(new PoolOptions { Processes = 1 });
            await using var remote = driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
            var blob = new byte[size];
            await local.MapAsync(Workloads.Square, [1]);
            await remote.MapAsync(Workloads.Square, [1]);
            var localTime = TimeSpan.MaxValue;
            var nodeTime = TimeSpan.MaxValue;
            for (var round = 0; round < Rounds; round++)
            {
                localTime = Min(localTime, await TimeRoundTrip(local, blob));
                nodeTime = Min(nodeTime, await TimeRoundTrip(remote, blob));
            }
            var mib = 2.0 * size / (1 << 20);
            return Row.Of(Name, mib, nodeTime,
                ("item_bytes", size),
                ("rounds", Rounds),
                ("local_seconds", Math.Round(localTime.TotalSeconds, 6)),
                ("local_per_second", Math.Round(mib / localTime.TotalSeconds, 1)),
                ("vs_local", Math.Round(localTime / nodeTime, 3)));
        }
        finally
        {
            if (node is not null)
            {
                node.Kill(entireProcessTree: true);
                node.WaitForExit();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<TimeSpan> TimeRoundTrip(Pool pool, byte[] blob)
    {
        var watch = Stopwatch.StartNew();
        var count = await pool.ApplyAsync(LargeValues.CountOf(blob));
        var back = await pool.ApplyAsync(LargeValues.MakeOf(count));
        var elapsed = watch.Elapsed;
        Workloads.Check(back.Length == blob.Length, $"{Name} result");
        return elapsed;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
