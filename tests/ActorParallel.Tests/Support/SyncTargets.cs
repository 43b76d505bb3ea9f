namespace ActorParallel.Tests.Support;

/// <summary>Targets that use shared synchronization primitives from worker processes.</summary>
public static class SyncTargets
{
    /// <summary>Waits for the event up to <paramref name="seconds"/> and reports whether it was set.</summary>
    public static async Task WaitForEvent(SharedEvent flag, SharedQueue<bool> report, int seconds) =>
        report.Put(await flag.WaitAsync(TimeSpan.FromSeconds(seconds)));

    /// <summary>Acquires, says so in a file, then waits to be killed while holding it.</summary>
    public static async Task HoldSemaphoreThenWait(SharedSemaphore semaphore, string marker)
    {
        await semaphore.AcquireAsync();
        File.WriteAllText(marker, "holding");
        await Task.Delay(Timeout.Infinite);
    }

    /// <summary>Waits at the barrier and reports its arrival index.</summary>
    public static async Task WaitAtBarrier(SharedBarrier barrier, SharedQueue<int> report) =>
        report.Put(await barrier.WaitAsync(TimeSpan.FromSeconds(60)));

    /// <summary>Waits at the barrier until killed.</summary>
    public static async Task WaitAtBarrierForever(SharedBarrier barrier) => await barrier.WaitAsync();

    /// <summary>Waits at the barrier once; its failure is the process's.</summary>
    public static async Task WaitAtBarrierOnce(SharedBarrier barrier) => await barrier.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>
    /// Waits at the barrier <paramref name="rounds"/> times; after each wait reports this process's id,
    /// the round, its arrival index and how many times the action had run by then.
    /// </summary>
    public static async Task WaitRoundsAndReport(SharedBarrier barrier, SharedList<int> runners, SharedQueue<int[]> report, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            var index = await barrier.WaitAsync(TimeSpan.FromSeconds(60));
            var actions = await runners.CountAsync();
            report.Put([Environment.ProcessId, round, index, actions]);
        }
        await report.FlushAsync();
    }

    /// <summary>A barrier action that appends the id of the process running it to <paramref name="runners"/>, stored before it returns.</summary>
    public static Action RecordRunner(SharedList<int> runners) =>
        () => runners.AppendAsync(Environment.ProcessId).GetAwaiter().GetResult();

    /// <summary>A barrier action that throws.</summary>
    public static void FailingAction() => throw new InvalidOperationException("The barrier action failed on purpose.");

    /// <summary>
    /// A barrier action that puts the id of the process running it on <paramref name="runner"/>, then, while
    /// <paramref name="hang"/> is 1, waits for <paramref name="never"/> (which nobody sets: it waits to be killed).
    /// </summary>
    public static Action ReportThenHang(SharedQueue<int> runner, SharedValue<int> hang, SharedEvent never) => () =>
    {
        runner.PutAsync(Environment.ProcessId).GetAwaiter().GetResult();
        if (hang.GetAsync().GetAwaiter().GetResult() == 1)
        {
            never.WaitAsync().GetAwaiter().GetResult();
        }
    };

    /// <summary>Tries the lock without waiting, reports it, then waits for it and reports that too.</summary>
    public static async Task TryThenWaitForRLock(SharedRLock rlock, SharedQueue<string> report)
    {
        report.Put(await rlock.AcquireAsync(TimeSpan.Zero) ? "got at once" : "busy");
        await report.FlushAsync();
        report.Put(await rlock.AcquireAsync(TimeSpan.FromSeconds(60)) ? "got" : "timed out");
        await rlock.ReleaseAsync();
    }

    /// <summary>Under the condition's lock, waits until the value is positive, and reports it.</summary>
    public static async Task WaitForPositive(SharedCondition condition, SharedValue<long> value, SharedQueue<long> report)
    {
        await condition.AcquireAsync();
        report.Put(0);
        await report.FlushAsync();
        var ok = await condition.WaitForAsync(async () => await value.GetAsync() > 0, TimeSpan.FromSeconds(60));
        report.Put(ok ? await value.GetAsync() : -1);
        await condition.ReleaseAsync();
    }
}
