namespace ActorParallel.Tests.Support;

/// <summary>Targets that use shared queues from worker processes.</summary>
public static class QueueTargets
{
    /// <summary>Puts <paramref name="count"/> items from <paramref name="start"/> without waiting, and returns: the process exits right after.</summary>
    public static void PutRangeAndExit(SharedQueue<int> queue, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            queue.Put(i);
        }
    }

    public static void PutRangeJoinable(SharedJoinableQueue<int> queue, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            queue.Put(i);
        }
    }

    /// <summary>Takes items until one stays away for a second, records each and calls TaskDone for it.</summary>
    public static async Task ConsumeAndRecord(SharedJoinableQueue<int> queue, SharedList<int> seen)
    {
        while (true)
        {
            int item;
            try
            {
                item = await queue.GetAsync(TimeSpan.FromSeconds(1));
            }
            catch (QueueEmptyException)
            {
                return;
            }
            seen.Append(item);
            queue.TaskDone();
        }
    }

    /// <summary>Takes one item, calls TaskDone for it, then once more: the second call throws, and so does the process.</summary>
    public static async Task TakeOneThenTaskDoneTwice(SharedJoinableQueue<int> queue)
    {
        await queue.GetAsync(TimeSpan.FromSeconds(60));
        queue.TaskDone();
        queue.TaskDone();
    }

    /// <summary>Takes one item (which brings a batch to this process), says so in a file, then waits to be killed with all of them.</summary>
    public static async Task TakeOneThenWait(SharedJoinableQueue<int> queue, string marker)
    {
        await queue.GetAsync();
        File.WriteAllText(marker, "holding");
        await Task.Delay(Timeout.Infinite);
    }

    /// <summary>Gets with a timeout from an empty queue and reports how long it waited, in milliseconds, on another queue.</summary>
    public static async Task TimeAnEmptyGet(SharedQueue<int> empty, SharedQueue<long> report)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await empty.GetAsync(TimeSpan.FromMilliseconds(300));
            report.Put(-1);
        }
        catch (QueueEmptyException)
        {
            report.Put(started.ElapsedMilliseconds);
        }
    }

    /// <summary>Puts <paramref name="count"/> items on a bounded queue (each waits for room), then an end marker.</summary>
    public static void PutBounded(SharedQueue<int> queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Put(i);
        }
        queue.Put(-1);
    }

    /// <summary>Echoes items from <paramref name="input"/> to <paramref name="output"/>, doubled, until -1.</summary>
    public static async Task Doubler(SharedSimpleQueue<int> input, SharedSimpleQueue<int> output)
    {
        while (await input.GetAsync() is var item && item != -1)
        {
            output.Put(item * 2);
        }
    }
}
