using System.Globalization;

namespace ActorParallel.Samples;

/// <summary>
/// A supervised batch job: maps <c>x => x*x</c>, sleeping a while per item, over 0..N-1 on a pool of
/// two, with live progress. Kill one of the printed worker pids with SIGKILL while it runs: its
/// chunks run again elsewhere, a replacement starts, and the sum still comes out right.
/// </summary>
internal static class BatchSample
{
    public static async Task RunAsync(string[] args)
    {
        var items = Option(args, "--items", 200);
        var delayMs = Option(args, "--delay-ms", 10);

        await using var pool = new Pool(processes: 2);
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
        var map = pool.MapAsync(
            x =>
            {
                Thread.Sleep(delayMs);
                return (long)x * x;
            },
            Enumerable.Range(0, items),
            chunkSize: 1,
            progress);

        await ShowWorkersAsync(pool, map);
        var results = await map;
        Console.WriteLine($"sum={results.Sum()}");
    }

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
