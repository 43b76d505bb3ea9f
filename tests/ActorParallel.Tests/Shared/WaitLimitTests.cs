using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// Enormous wait limits (<see cref="TimeSpan.MaxValue"/>, a year) wait as long as it takes, as
/// <see cref="Timeout.InfiniteTimeSpan"/> does, on every wait; before, some ended at once, a barrier
/// broke, and a queue's get threw about a timer's 'dueTime'. <see cref="WorkerProcess.JoinAsync"/> takes
/// <see cref="Timeout.InfiniteTimeSpan"/> as .NET does (waits), other negatives as Python does (only looks).
/// </summary>
public sealed class WaitLimitTests : RuntimeFixture
{
    [Fact]
    public async Task EnormousLimits_WaitUntilCancelled_OnAnEventASemaphoreAQueueAPipeAndABarrier()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var gate = manager.Event();
        var semaphore = manager.Semaphore(0);
        var queue = manager.Queue<int>();
        var (reader, _) = manager.Pipe();
        var barrier = manager.Barrier(2);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        Task[] waits =
        [
            gate.WaitAsync(TimeSpan.MaxValue, cancel.Token),
            semaphore.AcquireAsync(TimeSpan.MaxValue, cancel.Token),
            queue.GetAsync(TimeSpan.FromDays(365), cancel.Token),
            reader.PollAsync(TimeSpan.MaxValue, cancel.Token),
            barrier.WaitAsync(TimeSpan.MaxValue, cancel.Token),
        ];

        foreach (var wait in waits)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Bound));
        }
    }

    [Fact]
    public async Task JoinAsync_InfiniteTimeSpan_WaitsForTheExit_AndANegativeLimitOnlyLooks()
    {
        var process = Runtime.CreateProcess(TestTargets.Sleep, 500);
        await process.StartAsync().WaitAsync(Bound);

        var looked = await process.JoinAsync(TimeSpan.FromSeconds(-1)).WaitAsync(Bound);
        var joined = await process.JoinAsync(Timeout.InfiniteTimeSpan).WaitAsync(Bound);

        Assert.False(looked, "a negative limit waited for the exit");
        Assert.True(joined, "Timeout.InfiniteTimeSpan did not wait for the exit");
        Assert.Equal(0, process.ExitCode);
    }
}
