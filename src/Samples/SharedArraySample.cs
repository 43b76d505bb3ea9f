namespace ActorParallel.Samples;

/// <summary>
/// Python's <c>Array('d', n)</c> as real shared memory: two processes fill the halves of a
/// 1,000,000-double array element by element (each store takes the array's lock, as Python's does),
/// the parent joins them and sums it; then a pool of 2 sums its slices through a captured handle,
/// mapping the same pages (the joblib pattern: a large input reaches the workers without a copy).
/// </summary>
internal static class SharedArraySample
{
    private const int Length = 1_000_000, Slices = 8;

    public static async Task RunAsync()
    {
        using var array = new SynchronizedArray<double>(Length);
        var halves = new[] { new WorkerProcess(Fill, array, 0, Length / 2), new WorkerProcess(Fill, array, Length / 2, Length) };
        foreach (var p in halves)
        {
            await p.StartAsync();
        }
        foreach (var p in halves)
        {
            await p.JoinAsync();
        }
        Console.WriteLine($"sum={Sum(array.AsSpan()):R}");

        await using var pool = new Pool(2);
        var sums = await SumSlicesAsync(pool, array);
        Console.WriteLine($"pool sum={sums.Sum():R}");
    }

    private static void Fill(SynchronizedArray<double> a, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            a[i] = i * 0.5;
        }
    }

    // The lambda captures the array's handle only: each worker maps the pages and reads its slice in place.
    private static Task<double[]> SumSlicesAsync(Pool pool, SynchronizedArray<double> array) =>
        pool.MapAsync((int k) => Sum(array.AsSpan(k * (Length / Slices), Length / Slices)), Enumerable.Range(0, Slices));

    private static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value;
        }
        return sum;
    }
}
