using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// Deadlines that kill and cancellation that stops running work: an item past its deadline, or still
/// running after its call was cancelled, costs its worker process (killed, counted gone from the OS,
/// replaced), fails only its call, and nothing else the pool runs loses a result.
/// </summary>
public sealed class PoolDeadlineTests() : RuntimeFixture($"deadline-{Guid.NewGuid():N}")
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(20);

    private IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    [Theory]
    [InlineData("loop")]
    [InlineData("sleep")]
    [InlineData("spin")]
    public async Task MapAsync_ItemNeverEnds_FailsWithItsIndexAndDeadlineAndItsWorkerIsReplaced(string kind)
    {
        var deadline = TimeSpan.FromMilliseconds(500);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemTimeout = deadline });
        var before = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() =>
            pool.MapAsync(x => x == 3 ? PoolTargets.Hang(kind) : x * x, Enumerable.Range(0, 6), 1).WaitAsync(Bound));

        Assert.Equal(3, error.ItemIndex);
        Assert.Equal(deadline, error.Timeout);
        Assert.InRange(error.Elapsed, deadline, deadline + TimeSpan.FromSeconds(10));
        Assert.Contains(error.WorkerPid, before);
        Assert.Contains("Item 3", error.Message, StringComparison.Ordinal);
        Assert.True(await OsProcesses.AllGoneWithin([error.WorkerPid], ExitBound), $"the worker stuck in item 3 ({error.WorkerPid}) is still alive");
        var after = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, after.Count);
        Assert.DoesNotContain(error.WorkerPid, after);
        Assert.Equal(after.Order(), LiveWorkers.Order());
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 3), 1).WaitAsync(Bound));
    }

    [Fact]
    public async Task ApplyAsync_PerCallDeadline_TimesOutWhereThePoolHasNone()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() =>
            pool.ApplyAsync(() => PoolTargets.Hang("sleep"), new ItemOptions { Timeout = TimeSpan.FromMilliseconds(300) }).WaitAsync(Bound));

        Assert.Null(error.ItemIndex);
        Assert.StartsWith("The apply call ran for", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, await pool.ApplyAsync(() => 7).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_CallSetsNoDeadline_ItemSlowerThanThePoolsDeadlineFinishes()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, ItemTimeout = TimeSpan.FromMilliseconds(200) });

        var results = await pool.MapAsync(x => { Thread.Sleep(600); return x + 1; }, [1], itemOptions: new ItemOptions { Timeout = Timeout.InfiniteTimeSpan }).WaitAsync(Bound);

        Assert.Equal(new[] { 2 }, results);
    }

    [Fact]
    public async Task MapAsync_DeadlinesOfMonthsAndTimeSpanMaxValue_ItemsFinishAndNoWorkerDies()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, ItemTimeout = TimeSpan.FromDays(30) });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        Assert.Equal(new[] { 2 }, await pool.MapAsync(x => { Thread.Sleep(300); return x + 1; }, [1]).WaitAsync(Bound));
        Assert.Equal(new[] { 3 }, await pool.MapAsync(x => { Thread.Sleep(300); return x + 1; }, [2], itemOptions: new ItemOptions { Timeout = TimeSpan.MaxValue }).WaitAsync(Bound));

        Assert.Equal(pids, await pool.GetWorkerPidsAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_AnotherMapsItemTimesOutOnAWorkerThatHeldThisMapsChunks_LosesNothing()
    {
        // MaxChunkLosses 1: a chunk of this map on the killed worker would fail it if the kill were held against it.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 1 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var other = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 300), 1);

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() =>
            pool.MapAsync(_ => PoolTargets.Hang("loop"), [0], itemOptions: new ItemOptions { Timeout = TimeSpan.FromMilliseconds(400) }).WaitAsync(Bound));

        Assert.Equal(Enumerable.Range(0, 300).Select(PoolTargets.Square), await other.WaitAsync(Bound));
        Assert.True(await OsProcesses.AllGoneWithin([error.WorkerPid], ExitBound));
        Assert.Equal(2, (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count);
    }

    [Fact]
    public async Task MapAsync_CancelledFunctionHonoursItsToken_WorkerKeptWithoutAKill()
    {
        // Never killed: were the token not cancelled in the worker, the worker would stay busy and the next map would wait.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, CancellationGracePeriod = Timeout.InfiniteTimeSpan });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = ScratchFile($"token-{Guid.NewGuid():N}");
        using var cancel = new CancellationTokenSource();
        var map = pool.MapAsync((int _, CancellationToken token) => PoolTargets.MarkThenWaitForToken(marker, token), [0], cancellationToken: cancel.Token);
        await WaitForFile(marker);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));

        var used = await pool.MapAsync(PoolTargets.Pid, [0, 1], 1).WaitAsync(Bound);
        Assert.Equal(pids, used.Distinct());
        Assert.Equal(1, (await pool.StatusAsync().WaitAsync(Bound)).ProcessesStarted);
    }

    [Fact]
    public async Task ApplyAsync_CancelledWhileItNeverEnds_ItsWorkerIsKilledAndTheNextMapUsesBothWorkers()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, CancellationGracePeriod = TimeSpan.FromMilliseconds(200) });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = ScratchFile($"apply-{Guid.NewGuid():N}");
        using var cancel = new CancellationTokenSource();
        var call = pool.ApplyAsync(() => PoolTargets.MarkThenBlock(marker), cancellationToken: cancel.Token);
        await WaitForFile(marker);
        var busy = int.Parse(await File.ReadAllTextAsync(marker + ".pid"));

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Bound));

        Assert.True(await OsProcesses.AllGoneWithin([busy], ExitBound), $"the worker running the cancelled call ({busy}) is still alive");
        var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var used = (await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 40), 1).WaitAsync(Bound)).Distinct().Order().ToList();
        Assert.Equal(ready.Order(), used);
        Assert.Equal(2, used.Count);
        Assert.Equal(ready.Order(), LiveWorkers.Order());
    }

    [Fact]
    public void PoolOptions_NegativeItemTimeout_NamesTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => Runtime.CreatePool(new PoolOptions { Processes = 1, ItemTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.Equal("ItemTimeout", error.ParamName);
        Assert.Contains("-00:00:01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapAsync_ZeroTimeoutForTheCall_NamesTheOptionAndThePoolStaysUsable()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.MapAsync(PoolTargets.Square, [1], itemOptions: new ItemOptions { Timeout = TimeSpan.Zero }));

        Assert.Equal("Timeout", error.ParamName);
        Assert.Equal(new[] { 4 }, await pool.MapAsync(PoolTargets.Square, [2]).WaitAsync(Bound));
    }
}
