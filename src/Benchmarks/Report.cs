using System.Globalization;

namespace ActorParallel.Benchmarks;

/// <summary>The side-by-side table and chart: ours / CPython of per_second (inverse time for start-up workloads and whole programs).</summary>
internal static class Report
{
    private static readonly HashSet<string> TimeWorkloads = ["pool_startup", "process_lifecycle"];

    public static void Print(List<(Row Ours, Row? Theirs)> rows, int processes, string? chartPath)
    {
        var python = rows.FirstOrDefault(r => r.Theirs is not null).Theirs?.Json["python"]?.ToString() ?? "?";
        var machine = $"{processes} worker processes, {Environment.ProcessorCount} cores, .NET {Environment.Version}, CPython {python}, {DateTime.UtcNow:yyyy-MM-dd}";
        Console.WriteLine();
        Console.WriteLine($"| workload | ActorParallel | CPython {python} | ratio (higher is better for us) | target |");
        Console.WriteLine("|---|---|---|---|---|");
        var ratios = new List<(string, double)>();
        foreach (var (ours, theirs) in rows)
        {
            var ratio = ours.Bench is NodesCpuSpeedup.Name or NodesLargeItem.Name ? (double)ours.Json["vs_local"]!
                : ours.Bench == PoolFlow.Name ? (double)ours.Json["vs_in_process_stream"]!
                : theirs is null ? double.NaN : Ratio(ours, theirs);
            if (ours.Bench == DeadlineKill.Name)
            {
                // Not a ratio: a time against its target, and no bar in the chart.
                Console.WriteLine($"| {ours.Bench} | {Describe(ours)} | - (no deadline in multiprocessing.Pool) | - | ≤ 100 ms + process exit |");
                continue;
            }
            ratios.Add((ours.Bench, ratio));
            var target = ours.Bench switch
            {
                _ when WholePrograms.Names.Contains(ours.Bench) => "wall ≥ 0.5×, CPU ≥ 0.33× (≤ 2× and ≤ 3× CPython's)",
                "cpu_speedup" => "speedup ≥ 1.9",
                IdleWorkerMemory.Name => "≤ 40 MB",
                NodesCpuSpeedup.Name => "≥ 0.9× of a local pool",
                NodesLargeItem.Name => "≥ 0.5× of a local worker",
                PoolFlow.Name => "≥ 0.33× of the stream run in-process",
                _ => $"≥ {Targets.For(ours.Bench)}×",
            };
            var ratioText = $"{ratio.ToString("0.00", CultureInfo.InvariantCulture)}×";
            if (theirs is not null && WholePrograms.Names.Contains(ours.Bench))
            {
                ratioText = $"wall {ratioText}, CPU {WholePrograms.CpuRatio(ours, theirs).ToString("0.00", CultureInfo.InvariantCulture)}×";
            }
            Console.WriteLine($"| {ours.Bench} | {Describe(ours)} | {(theirs is null ? "-" : Describe(theirs))} | {ratioText} | {target} |");
        }
        Console.WriteLine($"({machine})");
        if (chartPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(chartPath))!);
            File.WriteAllText(chartPath, Chart.Render(ratios, machine));
            Console.WriteLine($"Chart: {Path.GetFullPath(chartPath)}");
        }
    }

    /// <summary>Ours over CPython's; for cpu_speedup, the ratio of the two speedups (each against its own sequential run).</summary>
    public static double Ratio(Row ours, Row theirs) => ours.Bench switch
    {
        _ when TimeWorkloads.Contains(ours.Bench) || WholePrograms.Names.Contains(ours.Bench) => theirs.Seconds / ours.Seconds,
        "cpu_speedup" => (double)ours.Json["speedup"]! / (double)theirs.Json["speedup"]!,
        IdleWorkerMemory.Name => (double)theirs.Json["rss_mb"]! / (double)ours.Json["rss_mb"]!,
        _ => (ours.PerSecond ?? 0) / (theirs.PerSecond ?? double.NaN),
    };

    private static string Describe(Row row) => row.Bench switch
    {
        "pool_startup" when row.Json["cold_ms"] is { } cold => $"{row.Seconds * 1000:0} ms (program's first pool, driver's ActorSystem included: {cold} ms)",
        _ when TimeWorkloads.Contains(row.Bench) => $"{row.Seconds * 1000:0} ms",
        _ when WholePrograms.Names.Contains(row.Bench) => WholePrograms.Describe(row),
        "cpu_speedup" => $"speedup {row.Json["speedup"]}" + (row.Json["vs_parallel_for"] is { } vs ? $", {vs}× of Parallel.For" : ""),
        IdleWorkerMemory.Name => $"{row.Json["rss_mb"]} MB RSS ({row.Json["rss_anon_mb"]} MB anonymous)",
        NodesCpuSpeedup.Name => $"speedup {row.Json["speedup"]} on nodes, {row.Json["local_speedup"]} local",
        NodesLargeItem.Name => $"{row.PerSecond} MiB/s through a node, {row.Json["local_per_second"]} MiB/s local",
        PoolFlow.Name => $"{row.PerSecond:N0}/s through the flow ({row.Json["vs_map_async"]}× of MapAsync's {(double)row.Json["map_async_per_second"]!:N0}/s), the stream in-process {row.Json["in_process_stream_seconds"]} s",
        DeadlineKill.Name => $"worker gone {row.Json["gone_after_deadline_ms_median"]} ms after the deadline (median of {row.N}, {row.Json["gone_after_deadline_ms_min"]}-{row.Json["gone_after_deadline_ms_max"]})",
        _ => $"{row.PerSecond:N0}/s",
    };
}
