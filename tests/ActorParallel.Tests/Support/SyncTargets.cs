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
