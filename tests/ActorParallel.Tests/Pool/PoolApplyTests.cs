using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// Individually submitted <c>ApplyAsync</c> calls share one dispatch stream per pool: each call gets
/// its own result or error, whatever its neighbours do (throw, time out, kill their worker, are
/// cancelled), and closing or terminating the pool settles every call.
/// </summary>
public sealed class PoolApplyTests() : RuntimeFixture($"apply-{Guid.NewGuid():N}")
{
    private IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    [Fact]
    public async Task ApplyAsync_ManyConcurrentCallsOfDifferentResultTypes_EachGetsItsOwnResult()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var squares = Enumerable.Range(0, 2_000).Select(i => pool.ApplyAsync(() => (long)i * i)).ToList();
        var texts = Enumerable.Range(0, 50).Select(i => pool.ApplyAsync(() => $"call {i}")).ToList();
        var pairs = Enumerable.Range(0, 50).Select(i => pool.ApplyAsync(() => (i, i % 2 == 0))).ToList();
        var nothing = pool.ApplyAsync<string?>(() => null);

        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => (long)i * i), await Task.WhenAll(squares).WaitAsync(Bound));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"call {i}"), await Task.WhenAll(texts).WaitAsync(Bound));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (i, i % 2 == 0)), await Task.WhenAll(pairs).WaitAsync(Bound));
        Assert.Null(await nothing.WaitAsync(Bound));
    }

    [Fact]
    public async Task ApplyAsync_QuickCallAfterOneThatBlocks_RunsOnTheIdleWorkerAtOnce()
    {
        // Were the quick call queued behind the blocked one on the same worker, it would never finish.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, CancellationGracePeriod = TimeSpan.FromMilliseconds(200) });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = ScratchFile($"blocked-{Guid.NewGuid():N}");
        using var release = new CancellationTokenSource();
        var blocked = pool.ApplyAsync(token => PoolTargets.MarkThenWaitForToken(marker, token), cancellationToken: release.Token);
        await WaitForFile(marker);

        Assert.Equal(42, await pool.ApplyAsync(() => 42).WaitAsync(Bound));
        Assert.Equal(new[] { 1, 4 }, await pool.MapAsync(PoolTargets.Square, [1, 2], 1).WaitAsync(Bound));

        await release.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_AfterACallThatBlocksWithNoDeadline_EveryItemRunsOnTheIdleWorker()
    {
        // Chunks dealt to the blocked worker (it holds a window of them) would wait there for ever while
        // the other worker idles: they are taken back and run there, as in Python's pool.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var (blocked, blockedPid) = await BlockAWorker(pool);

        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 40), chunkSize: 1).WaitAsync(Bound);
        var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 1_000)).WaitAsync(Bound);
        var unordered = new List<int>();
        await foreach (var square in pool.IMapUnordered(PoolTargets.Square, Enumerable.Range(0, 12), chunkSize: 1))
        {
            unordered.Add(square);
        }

        Assert.DoesNotContain(blockedPid, pids);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(PoolTargets.Square), squares);
        Assert.Equal(Enumerable.Range(0, 12).Select(PoolTargets.Square), unordered.Order());
        Assert.False(blocked.IsCompleted);
        Assert.Equal(2, LiveWorkers.Count);
    }

    [Fact]
    public async Task MapAsync_OnAPoolJustCreated_TwoItemsThatNeedEachOtherRunSideBySide()
    {
        // The first worker ready must not take both: item 0 finishes only once item 1 has run elsewhere.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var marker = ScratchFile($"beside-{Guid.NewGuid():N}");

        var pids = await pool.MapAsync(item => PoolTargets.NeedEachOther(item, marker), [0, 1], chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(2, pids.Distinct().Count());
    }

    [Fact]
    public async Task ApplyAsync_OneCallOfManyThrows_OnlyThatCallFailsWithItsType()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var calls = Enumerable.Range(0, 200).Select(i => pool.ApplyAsync(() => PoolTargets.ThrowOnSeven(i))).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => calls[7].WaitAsync(Bound));
        Assert.Equal("seven is not allowed (7)", error.Message);
        Assert.StartsWith("The apply call", Assert.IsType<RemoteException>(error.InnerException).Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 200).Where(i => i != 7), await Task.WhenAll(calls.Where((_, i) => i != 7)).WaitAsync(Bound));
    }

    [Fact]
    public async Task ApplyAsync_ACallKillsItsWorker_OnlyThatCallFailsAndThePoolIsBackToFullStrength()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 1 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);

        var calls = Enumerable.Range(0, 100).Select(i => pool.ApplyAsync(() => PoolTargets.DieOnFive(i))).ToList();

        var lost = await Assert.ThrowsAsync<WorkerLostException>(() => calls[5].WaitAsync(Bound));
        Assert.StartsWith("The apply call was running alone on its worker process when it died, once (last: ", lost.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i != 5), await Task.WhenAll(calls.Where((_, i) => i != 5)).WaitAsync(Bound));
        var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, ready.Count);
        Assert.True(await OsProcesses.AllGoneWithin(LiveWorkers.Except(ready).ToList(), TimeSpan.FromSeconds(20)));
        Assert.Equal(ready.Order(), LiveWorkers.Order());
    }

    [Fact]
    public async Task ApplyAsync_PoolDeadline_TheHangingCallTimesOutAndTheOthersFinish()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemTimeout = TimeSpan.FromMilliseconds(500) });

        var hanging = pool.ApplyAsync(() => PoolTargets.Hang("loop"));
        var others = Enumerable.Range(0, 300).Select(i => pool.ApplyAsync(() => i + 1)).ToList();

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() => hanging.WaitAsync(Bound));
        Assert.Null(error.ItemIndex);
        Assert.Equal(Enumerable.Range(1, 300), await Task.WhenAll(others).WaitAsync(Bound));
        Assert.True(await OsProcesses.AllGoneWithin([error.WorkerPid], TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task ApplyAsync_CallCancelledBeforeItRuns_IsCancelledAndNeverRuns()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, CancellationGracePeriod = Timeout.InfiniteTimeSpan });
        var marker = ScratchFile($"block-{Guid.NewGuid():N}");
        var ran = ScratchFile($"ran-{Guid.NewGuid():N}");
        using var blocker = new CancellationTokenSource();
        var blocking = pool.ApplyAsync(token => PoolTargets.MarkThenWaitForToken(marker, token), cancellationToken: blocker.Token);
        await WaitForFile(marker);
        using var cancel = new CancellationTokenSource();
        var queued = pool.ApplyAsync(Touch(ran), cancellationToken: cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Bound));
        await blocker.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocking.WaitAsync(Bound));

        Assert.Equal(2, await pool.ApplyAsync(() => 2).WaitAsync(Bound));
        Assert.False(File.Exists(ran), "the cancelled call ran");

        // Made apart from the test's other locals, which the compiler would otherwise capture with it.
        static Func<int> Touch(string path) => () =>
        {
            File.Create(path).Dispose();
            return 1;
        };
    }

    [Fact]
    public async Task ApplyAsync_TokenAlreadyCancelledOrPoolClosed_ErrorsAreInTheTaskNotThrown()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var call = pool.ApplyAsync(() => 1, cancellationToken: cancelled.Token);
        var badOptions = pool.ApplyAsync(() => 1, new ItemOptions { Timeout = TimeSpan.FromSeconds(-2) });
        await pool.CloseAsync();
        var afterClose = pool.ApplyAsync(() => 1);

        Assert.True(call.IsCanceled);
        Assert.Equal("Timeout", (await Assert.ThrowsAsync<ArgumentException>(() => badOptions)).ParamName);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => afterClose);
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task ApplyAsync_ManyCallsWithTheirOwnDeadline_EachGetsItsResultAndTheHangingOneTimesOut()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var own = new ItemOptions { Timeout = TimeSpan.FromMilliseconds(400) };

        var hanging = pool.ApplyAsync(() => PoolTargets.Hang("sleep"), own);
        var calls = Enumerable.Range(0, 500).Select(i => pool.ApplyAsync(() => i * 3, own)).ToList();

        Assert.Null((await Assert.ThrowsAsync<ItemTimeoutException>(() => hanging.WaitAsync(Bound))).ItemIndex);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => i * 3), await Task.WhenAll(calls).WaitAsync(Bound));
    }

    [Fact]
    public async Task CloseAsync_WithCallsInFlight_TheyFinishThenLaterCallsAreRefused()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var calls = Enumerable.Range(0, 100).Select(i => pool.ApplyAsync(() => PoolTargets.SlowSquare(i))).ToList();

        await pool.CloseAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.ApplyAsync(() => 1));
        await pool.JoinAsync().WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), await Task.WhenAll(calls).WaitAsync(Bound));
        Assert.Empty(LiveWorkers);
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task TerminateAsync_WithCallsWaiting_EveryCallEndsAndNoWorkerIsLeft()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var calls = Enumerable.Range(0, 500).Select(i => pool.ApplyAsync(() => PoolTargets.SlowSquare(i))).ToList();

        await pool.TerminateAsync().WaitAsync(Bound);

        // Finished before the end, or ended by it: none is left waiting.
        await Task.WhenAll(calls.Select(call => call.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);
        foreach (var call in calls)
        {
            Assert.True(call.IsCompletedSuccessfully || call.Exception?.InnerException is OperationCanceledException, $"{call.Exception}");
        }
        Assert.Contains(calls, call => !call.IsCompletedSuccessfully);
        Assert.Empty(LiveWorkers);
        await pool.DisposeAsync();
    }
}
