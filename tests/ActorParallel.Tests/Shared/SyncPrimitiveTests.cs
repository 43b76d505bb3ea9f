using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// Manager synchronization primitives with real processes, in the spirit of CPython's
/// <c>_TestEvent</c>, <c>_TestSemaphore</c>, <c>_TestBarrier</c>, <c>_TestCondition</c> and <c>test_rlock</c>.
/// </summary>
public sealed class SyncPrimitiveTests : RuntimeFixture
{
    [Fact]
    public async Task Event_WaitTimesOutClear_AWorkerWaitingWakesWhenTheDriverSets()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var flag = manager.Event();
        var report = manager.Queue<bool>();

        Assert.False(await flag.WaitAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Bound));
        var waiter = Create(SyncTargets.WaitForEvent, flag, report, 60);
        await waiter.StartAsync();
        await flag.SetAsync().WaitAsync(Bound);
        var woke = await report.GetAsync(Bound).WaitAsync(Bound);
        await Joined(waiter);
        var setBeforeClear = await flag.IsSetAsync().WaitAsync(Bound);
        await flag.ClearAsync().WaitAsync(Bound);

        Assert.True(woke);
        Assert.True(setBeforeClear);
        Assert.False(await flag.IsSetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Semaphore_HolderSigkilled_ItsAcquisitionIsReleased()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var semaphore = manager.Semaphore(1);
        var marker = ScratchFile("holding");
        var holder = Create(SyncTargets.HoldSemaphoreThenWait, semaphore, marker);
        await holder.StartAsync();
        await WaitForFile(marker);

        Assert.False(await semaphore.AcquireAsync(TimeSpan.Zero).WaitAsync(Bound));
        var waiting = semaphore.AcquireAsync();
        holder.Kill();
        await Joined(holder);

        Assert.True(await waiting.WaitAsync(Bound));
        Assert.Equal(0, await semaphore.GetValueAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task BoundedSemaphore_ReleasedAboveItsValue_Throws_AndTimesOutWhenTaken()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var semaphore = manager.BoundedSemaphore(2);

        await Assert.ThrowsAsync<InvalidOperationException>(() => semaphore.ReleaseAsync()).WaitAsync(Bound);
        Assert.True(await semaphore.AcquireAsync().WaitAsync(Bound));
        Assert.True(await semaphore.AcquireAsync().WaitAsync(Bound));
        Assert.False(await semaphore.AcquireAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Bound));
        await semaphore.ReleaseAsync(2).WaitAsync(Bound);
        Assert.Equal(2, await semaphore.GetValueAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Barrier_TwoWorkersAndTheDriver_AllPassWithDistinctIndexes()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var barrier = manager.Barrier(3);
        var report = manager.Queue<int>();
        var workers = Enumerable.Range(0, 2).Select(_ => Create(SyncTargets.WaitAtBarrier, barrier, report)).ToList();

        await Task.WhenAll(workers.Select(w => w.StartAsync()));
        var mine = await barrier.WaitAsync(Bound).WaitAsync(Bound);
        int[] indexes = [mine, await report.GetAsync(Bound).WaitAsync(Bound), await report.GetAsync(Bound).WaitAsync(Bound)];
        foreach (var worker in workers)
        {
            await Joined(worker);
        }

        Assert.Equal([0, 1, 2], indexes.Order());
    }

    [Fact]
    public async Task Barrier_AWaitingPartySigkilled_BreaksIt_ResetMakesItWork()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var barrier = manager.Barrier(3);
        var party = Create(SyncTargets.WaitAtBarrierForever, barrier);
        await party.StartAsync();
        using (var deadline = new CancellationTokenSource(Bound))
        {
            // The party's wait is seen at the driver: then it is waiting at the barrier.
            while (await barrier.WaitingCountAsync(deadline.Token) < 1)
            {
                await Task.Yield();
            }
        }
        var mine = barrier.WaitAsync();

        party.Kill();
        await Joined(party);

        var broken = await Assert.ThrowsAsync<BrokenBarrierException>(() => mine).WaitAsync(Bound);
        Assert.Contains("is broken: the process of a waiting party died", broken.Message);
        Assert.True(await barrier.IsBrokenAsync().WaitAsync(Bound));
        await barrier.ResetAsync().WaitAsync(Bound);
        Assert.False(await barrier.IsBrokenAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Barrier_AWaitTimesOut_BreaksIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var barrier = manager.Barrier(2, timeout: TimeSpan.FromMilliseconds(100));

        var timedOut = await Assert.ThrowsAsync<BrokenBarrierException>(() => barrier.WaitAsync()).WaitAsync(Bound);
        var later = await Assert.ThrowsAsync<BrokenBarrierException>(() => barrier.WaitAsync()).WaitAsync(Bound);

        // Each says why: the later wait finds it broken by the first one's timeout.
        Assert.Contains("is broken: a party's wait timed out or was cancelled", timedOut.Message);
        Assert.Equal(timedOut.Message, later.Message);
    }

    [Fact]
    public async Task Barrier_AbortedOrReset_WhileWaitedOn_SaysWhichItWas()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var barrier = manager.Barrier(2);

        var aborted = barrier.WaitAsync();
        await WaitersAtLeastOne(barrier);
        await barrier.AbortAsync().WaitAsync(Bound);
        var abortError = await Assert.ThrowsAsync<BrokenBarrierException>(() => aborted).WaitAsync(Bound);
        await barrier.ResetAsync().WaitAsync(Bound);
        var reset = barrier.WaitAsync();
        await WaitersAtLeastOne(barrier);
        await barrier.ResetAsync().WaitAsync(Bound);
        var resetError = await Assert.ThrowsAsync<BrokenBarrierException>(() => reset).WaitAsync(Bound);

        Assert.Contains("is broken: it was aborted (AbortAsync)", abortError.Message);
        Assert.Contains("is broken: it was reset (ResetAsync) while this party waited", resetError.Message);
    }

    private static async Task WaitersAtLeastOne(SharedBarrier barrier)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (await barrier.WaitingCountAsync(deadline.Token) < 1)
        {
            await Task.Yield();
        }
    }

    [Fact]
    public async Task RLock_ReentrantInTheDriver_AWorkerWaitsUntilEveryLevelIsReleased()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var rlock = manager.RLock();
        var report = manager.Queue<string>();
        Assert.True(await rlock.AcquireAsync().WaitAsync(Bound));
        Assert.True(await rlock.AcquireAsync(TimeSpan.Zero).WaitAsync(Bound));
        var worker = Create(SyncTargets.TryThenWaitForRLock, rlock, report);
        await worker.StartAsync();

        var first = await report.GetAsync(Bound).WaitAsync(Bound);
        await rlock.ReleaseAsync().WaitAsync(Bound);
        await rlock.ReleaseAsync().WaitAsync(Bound);
        var second = await report.GetAsync(Bound).WaitAsync(Bound);
        await Joined(worker);

        Assert.Equal("busy", first);
        Assert.Equal("got", second);
        await Assert.ThrowsAsync<InvalidOperationException>(() => rlock.ReleaseAsync()).WaitAsync(Bound);
    }

    [Fact]
    public async Task Condition_WorkerWaitsForAPredicate_DriverNotifiesUnderTheLock()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var condition = manager.Condition();
        var value = manager.Value(0L);
        var report = manager.Queue<long>();
        var worker = Create(SyncTargets.WaitForPositive, condition, value, report);
        await worker.StartAsync();
        Assert.Equal(0, await report.GetAsync(Bound).WaitAsync(Bound));

        await condition.AcquireAsync().WaitAsync(Bound);
        await value.SetAsync(42).WaitAsync(Bound);
        await condition.NotifyAllAsync().WaitAsync(Bound);
        await condition.ReleaseAsync().WaitAsync(Bound);
        var seen = await report.GetAsync(Bound).WaitAsync(Bound);
        await Joined(worker);

        Assert.Equal(42, seen);
        // Not held by this flow any more: Python's RuntimeError.
        await Assert.ThrowsAsync<InvalidOperationException>(() => condition.WaitAsync(TimeSpan.Zero)).WaitAsync(Bound);
    }
}
