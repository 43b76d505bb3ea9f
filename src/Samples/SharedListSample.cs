namespace ActorParallel.Samples;

/// <summary>
/// Seed example 3: five processes each append their number to a manager list; the parent joins them
/// and prints the list.
/// </summary>
internal static class SharedListSample
{
    public static async Task RunAsync()
    {
        await using var manager = await Manager.StartAsync();
        var sharedList = manager.List<int>();
        var jobs = new List<WorkerProcess>();
        for (var i = 0; i < 5; i++)
        {
            var p = new WorkerProcess(Work, sharedList, i);
            jobs.Add(p);
            await p.StartAsync();
        }
        foreach (var p in jobs)
        {
            await p.JoinAsync();
        }
        Console.WriteLine($"[{string.Join(", ", await sharedList.ToListAsync())}]");
    }

    private static void Work(SharedList<int> sharedList, int num) => sharedList.Append(num);
}
