using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace ActorParallel.Samples;

/// <summary>
/// A supervised batch job: maps <c>x => x*x</c>, sleeping a while per item, over 0..N-1 on a pool of
/// two, with live progress. Kill one of the printed worker pids with SIGKILL while it runs: its
/// chunks run again elsewhere, a replacement starts, and the sum still comes out right. At a terminal
/// the progress is a live bar (Spectre.Console) with the workers, the rate and the ETA; when stdout
/// is not a terminal, plain lines (<c>progress: done/total (n%)</c>) at each tenth.
/// </summary>
internal static class BatchSample
{
    public static async Task RunAsync(string[] args)
    {
        var items = Option(args, "--items", 200);
        var delayMs = Option(args, "--delay-ms", 10);

        await using var pool = new Pool(processes: 2);
        var live = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        long[] results;
        if (live)
        {
            var pids = await pool.WaitForWorkersAsync();
            Console.WriteLine($"workers: {string.Join(' ', pids)}");
            results = await WithLiveBarAsync(pool, items, progress => Squares(pool, items, delayMs, progress));
        }
        else
        {
            var lastStep = -1;
            var progress = new Progress<MapProgress>(p =>
            {
                var step = (int)(p.Done * 10 / Math.Max(1, p.Total ?? 1));
                if (step > lastStep)
                {
                    lastStep = step;
                    Console.WriteLine($"progress: {p.Done}/{p.Total} ({step * 10}%)");
                }
            });
            var map = Squares(pool, items, delayMs, progress);
            await ShowWorkersAsync(pool, map);
            results = await map;
        }
        Console.WriteLine($"sum={results.Sum()}");
    }

    private static Task<long[]> Squares(Pool pool, int items, int delayMs, IProgress<MapProgress> progress) =>
        pool.MapAsync(
            x =>
            {
                Thread.Sleep(delayMs);
                return (long)x * x;
            },
            Enumerable.Range(0, items),
            chunkSize: 1,
            progress);

    /// <summary>Runs the map under a live progress bar: done/total, the live workers, the rate and the ETA.</summary>
    private static async Task<long[]> WithLiveBarAsync(Pool pool, int items, Func<IProgress<MapProgress>, Task<long[]>> run)
    {
        long[] results = [];
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("squares", maxValue: Math.Max(1, items));
                var started = Stopwatch.StartNew();
                var gate = new object();
                var latest = new MapProgress(0, items);
                // Reports arrive on the thread pool, possibly out of order: the furthest one is shown.
                var map = run(new Progress<MapProgress>(p =>
                {
                    lock (gate)
                    {
                        latest = p.Done >= latest.Done ? p : latest;
                    }
                }));
                var workers = pool.Processes;
                while (!map.IsCompleted)
                {
                    MapProgress now;
                    lock (gate)
                    {
                        now = latest;
                    }
                    bar.Value = now.Done;
                    bar.Description = Describe(now, workers);
                    await Task.WhenAny(map, Task.Delay(100));
                    workers = (await pool.GetWorkerPidsAsync()).Count;
                }
                results = await map;
                bar.Value = bar.MaxValue;
                bar.Description = Describe(new MapProgress(items, items) { Elapsed = started.Elapsed }, workers);
            });
        return results;
    }

    private static string Describe(MapProgress progress, int workers) =>
        $"{progress.Done}/{progress.Total} items · {workers} workers · {progress.Rate.ToString("0.0", CultureInfo.InvariantCulture)} items/s · ETA {(progress.Eta is { } eta ? eta.ToString(@"mm\:ss", CultureInfo.InvariantCulture) : "--:--")}";

    private static async Task ShowWorkersAsync(Pool pool, Task map)
    {
        while (!map.IsCompleted)
        {
            var pids = await pool.GetWorkerPidsAsync();
            if (pids.Count == pool.Processes)
            {
                Console.WriteLine($"workers: {string.Join(' ', pids)}");
                return;
            }
            await Task.WhenAny(map, Task.Delay(50));
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return fallback;
        }
        if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new ArgumentException($"{name} needs a non-negative whole number.");
        }
        return value;
    }
}
