namespace ActorParallel.Tests.Support;

/// <summary>
/// Targets that make batched writes (list appends, value additions) and then an operation the driver
/// can observe: each checks that the driver sees the writes once it has seen the operation.
/// </summary>
public static class ReleaseTargets
{
    /// <summary>The trial's consumer: records each item in a list, then says it is finished.</summary>
    public static async Task RecordThenTaskDone(SharedJoinableQueue<int> queue, SharedList<int> seen)
    {
        while (true)
        {
            var item = await queue.GetAsync();
            seen.Append(item);
            queue.TaskDone();
        }
    }

    /// <summary>Counts each item on a shared value, then says it is finished.</summary>
    public static async Task CountThenTaskDone(SharedJoinableQueue<int> queue, SharedValue<long> processed)
    {
        while (true)
        {
            await queue.GetAsync();
            processed.Add(1);
            queue.TaskDone();
        }
    }

    /// <summary>Appends each number to a list, then puts it on a queue.</summary>
    public static void AppendThenPut(SharedList<int> list, SharedQueue<int> queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            list.Append(i);
            queue.Put(i);
        }
    }

    /// <summary>Appends <paramref name="count"/> numbers, then sets the event.</summary>
    public static async Task AppendThenSet(SharedList<int> list, SharedEvent done, int count)
    {
        Append(list, count);
        await done.SetAsync();
    }

    /// <summary>Adds <paramref name="count"/> ones, then waits at the barrier.</summary>
    public static async Task AddThenBarrier(SharedValue<long> total, SharedBarrier barrier, int count)
    {
        for (var i = 0; i < count; i++)
        {
            total.Add(1);
        }
        await barrier.WaitAsync();
    }

    /// <summary>Appends <paramref name="count"/> numbers to one list, then one marker to another.</summary>
    public static void AppendThenMark(SharedList<int> list, SharedList<int> marks, int count)
    {
        Append(list, count);
        marks.Append(count);
    }

    /// <summary>Appends <paramref name="count"/> numbers, then sends how many on the pipe.</summary>
    public static void AppendThenSend(SharedList<int> list, PipeConnection end, int count)
    {
        Append(list, count);
        end.Send(count);
    }

    /// <summary>Takes the lock, says so in <paramref name="marker"/>, appends <paramref name="count"/> numbers, releases it.</summary>
    public static void AppendUnderMemoryLock(SharedMemoryLock gate, SharedList<int> list, string marker, int count)
    {
        using (gate.Acquire())
        {
            File.WriteAllText(marker, "holding");
            Append(list, count);
        }
    }

    /// <summary>Takes the lock, says so on a queue, appends <paramref name="count"/> numbers, releases it.</summary>
    public static async Task AppendUnderLock(SharedLock gate, SharedQueue<int> holding, SharedList<int> list, int count)
    {
        await using (await gate.AcquireAsync())
        {
            await holding.PutAsync(1);
            Append(list, count);
        }
    }

    private static void Append(SharedList<int> list, int count)
    {
        for (var i = 0; i < count; i++)
        {
            list.Append(i);
        }
    }
}
