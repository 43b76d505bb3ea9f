using System.Globalization;

namespace ActorParallel.Benchmarks;

/// <summary>The side-by-side table: ours / CPython of per_second (inverse time for start-up workloads).</summary>
internal static class Report
{
    private static readonly HashSet<string> TimeWorkloads = ["pool_startup", "process_lifecycle"];

    public static void Print(List<(Row Ours, Row? Theirs)> rows, int processes)
    {
        Console.WriteLine();
        Console.WriteLine($"| workload | ActorParallel | CPython {rows.FirstOrDefault(r => r.Theirs is not null).Theirs?.Json["python"]} | ratio (higher is better for us) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (ours, theirs) in rows)
        {
            var ratio = theirs is null ? double.NaN : Ratio(ours, theirs);
            Console.WriteLine($"| {ours.Bench} | {Describe(ours)} | {(theirs is null ? "-" : Describe(theirs))} | {ratio.ToString("0.00", CultureInfo.InvariantCulture)}× |");
        }
        Console.WriteLine($"({processes} worker processes, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd})");
    }

    /// <summary>Ours over CPython's; for cpu_speedup, the ratio of the two speedups (each against its own sequential run).</summary>
    public static double Ratio(Row ours, Row theirs) => ours.Bench switch
    {
        _ when TimeWorkloads.Contains(ours.Bench) => theirs.Seconds / ours.Seconds,
        "cpu_speedup" => (double)ours.Json["speedup"]! / (double)theirs.Json["speedup"]!,
        _ => (ours.PerSecond ?? 0) / (theirs.PerSecond ?? double.NaN),
    };

    private static string Describe(Row row) => row.Bench switch
    {
        _ when TimeWorkloads.Contains(row.Bench) => $"{row.Seconds * 1000:0} ms",
        "cpu_speedup" => $"speedup {row.Json["speedup"]}" + (row.Json["vs_parallel_for"] is { } vs ? $", {vs}× of Parallel.For" : ""),
        _ => $"{row.PerSecond:N0}/s",
    };
}
