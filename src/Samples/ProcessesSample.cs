namespace ActorParallel.Samples;

/// <summary>
/// Seed examples 1 and 2: five processes each run <see cref="Work"/> with their number; the parent
/// starts them all, then joins them all.
/// </summary>
internal static class ProcessesSample
{
    public static async Task RunAsync()
    {
        var jobs = new List<WorkerProcess>();
        for (var i = 0; i < 5; i++)
        {
            var p = new WorkerProcess(Work, i);
            jobs.Add(p);
            await p.StartAsync();
        }

        foreach (var p in jobs)
        {
            await p.JoinAsync();
        }
    }

    private static void Work(int num) => Console.WriteLine($"Worker: {num}");
}
