namespace ActorParallel.Tests.Support;

/// <summary>Targets that use shared objects from worker processes.</summary>
public static class SharedTargets
{
    public static void AppendRange(SharedList<int> list, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            list.Append(i);
        }
    }

    public static void AddOnes(SharedValue<long> value, int times)
    {
        for (var i = 0; i < times; i++)
        {
            value.AddAsync(1).GetAwaiter().GetResult();
        }
    }

    /// <summary>Adds 0.5 <paramref name="times"/> times without waiting: the join flushes them.</summary>
    public static void AddHalves(SharedValue<double> value, int times)
    {
        for (var i = 0; i < times; i++)
        {
            value.Add(0.5);
        }
    }

    /// <summary>Appends, then reads back in the same process: its own write must be there.</summary>
    public static void AppendThenReadOwn(SharedList<string> list, string item)
    {
        list.Append(item);
        var seen = list.ToListAsync().GetAwaiter().GetResult();
        if (!seen.Contains(item))
        {
            throw new InvalidOperationException($"read-your-writes broken: '{item}' missing from [{string.Join(", ", seen)}]");
        }
    }

    /// <summary>Appends with acknowledgement, says so in a file, then waits to be killed.</summary>
    public static void AppendAcknowledgedThenWait(SharedList<string> list, string item, string marker)
    {
        list.AppendAsync(item).GetAwaiter().GetResult();
        File.WriteAllText(marker, "acknowledged");
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Read-modify-write under the lock: without mutual exclusion, increments would be lost.</summary>
    public static void IncrementUnderLock(SharedLock gate, SharedValue<long> value, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var hold = gate.AcquireAsync().GetAwaiter().GetResult();
            var current = value.GetAsync().GetAwaiter().GetResult();
            value.SetAsync(current + 1).GetAwaiter().GetResult();
            hold.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Takes the lock, says so in a file, then waits to be killed while holding it.</summary>
    public static void HoldLockThenWait(SharedLock gate, string marker)
    {
        gate.AcquireAsync().GetAwaiter().GetResult();
        File.WriteAllText(marker, "holding");
        Thread.Sleep(Timeout.Infinite);
    }

    public static void FillDict(SharedDict<string, int> dict, int writer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            dict.SetAsync($"w{writer}-{i}", (writer * 1000) + i).GetAwaiter().GetResult();
        }
    }

    /// <summary>Appends, adds, reads, writes a dict entry and takes and releases the lock; then writes how many ActorSystems this process started.</summary>
    public static void UseEveryKind(SharedList<string> list, SharedValue<long> value, SharedDict<string, int> dict, SharedLock gate, string evidence)
    {
        list.Append("a");
        list.AppendAsync("b").GetAwaiter().GetResult();
        value.Add(5);
        var hold = gate.AcquireAsync().GetAwaiter().GetResult();
        value.SetAsync(value.GetAsync().GetAwaiter().GetResult() + 2).GetAwaiter().GetResult();
        hold.DisposeAsync().AsTask().GetAwaiter().GetResult();
        dict.SetAsync("k", 1).GetAwaiter().GetResult();
        if (list.CountAsync().GetAwaiter().GetResult() != 2)
        {
            throw new InvalidOperationException("read-your-writes broken");
        }
        File.WriteAllText(evidence, ActorParallel.Configuration.NodeTransport.SystemsStarted.ToString());
    }

    public static void SetCell(SharedArray<double> array, int index, double value) =>
        array.SetAsync(index, value).GetAwaiter().GetResult();

    /// <summary>
    /// Appends <paramref name="count"/> values, flushing every 100 (a flush returns once the driver has
    /// acknowledged every append before it), and writes each value to <paramref name="ackLog"/> only
    /// after it was acknowledged: what the log holds is what must survive a kill. Once
    /// <paramref name="signalAfter"/> appends are acknowledged it creates <paramref name="signal"/>.
    /// </summary>
    public static void AppendAcknowledgedLogged(SharedList<int> list, int start, int count, string ackLog, int signalAfter, string signal)
    {
        using var log = new StreamWriter(ackLog) { AutoFlush = true };
        var pending = new List<int>(100);
        for (var i = start; i < start + count; i++)
        {
            list.Append(i);
            pending.Add(i);
            if (pending.Count == 100 || i == start + count - 1)
            {
                list.FlushAsync().GetAwaiter().GetResult();
                log.Write(string.Concat(pending.Select(value => $"{value}\n")));
                pending.Clear();
                if (i + 1 - start >= signalAfter && !File.Exists(signal))
                {
                    File.WriteAllText(signal, "reached");
                }
            }
        }
    }
}
