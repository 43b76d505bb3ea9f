namespace ActorParallel.Samples;

/// <summary>
/// Producer and consumers: one process puts 0..99,999 and an end marker (null) on a queue, two
/// processes take items and add them up, and the parent joins all three and prints what they consumed.
/// </summary>
internal static class QueueSample
{
    public static async Task RunAsync()
    {
        await using var manager = await Manager.StartAsync();
        var queue = manager.Queue<int?>();
        var consumed = manager.Value(0L);
        var sum = manager.Value(0L);
        var processes = new List<WorkerProcess>
        {
            new(Produce, queue, 100_000),
            new(Consume, queue, consumed, sum),
            new(Consume, queue, consumed, sum),
        };
        foreach (var p in processes)
        {
            await p.StartAsync();
        }
        foreach (var p in processes)
        {
            await p.JoinAsync();
        }
        Console.WriteLine($"consumed={await consumed.GetAsync()} sum={await sum.GetAsync()}");
    }

    private static void Produce(SharedQueue<int?> queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Put(i);
        }
        queue.Put(null);
    }

    private static async Task Consume(SharedQueue<int?> queue, SharedValue<long> consumed, SharedValue<long> sum)
    {
        long count = 0, total = 0;
        while (await queue.GetAsync() is int item)
        {
            count++;
            total += item;
        }
        // The end marker is for every consumer: put it back for the next one.
        queue.Put(null);
        consumed.Add(count);
        sum.Add(total);
    }
}
