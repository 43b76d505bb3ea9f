using System.Collections.Concurrent;
using ActorParallel.Tests.Support;
using Polly;
using Polly.Retry;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// Retries: a chunk whose function threw, or whose item ran past its deadline, runs again as the
/// call's Polly retry strategy decides; every item gets exactly one result, the last error fails the
/// call with the item's index in the caller's input, and the pool stays whole. Tries are counted
/// across worker processes in files, one per item.
/// </summary>
public sealed class PoolRetryTests() : RuntimeFixture($"retry-{Guid.NewGuid():N}")
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task MapAsync_ItemPastItsDeadlineOnce_SucceedsOnItsSecondTry()
    {
        var tries = TriesFolder();
        var retried = new ConcurrentQueue<Exception?>();
        var retry = new RetryStrategyOptions
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.Zero,
            OnRetry = args =>
            {
                retried.Enqueue(args.Outcome.Exception);
                return default;
            },
        };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemTimeout = TimeSpan.FromMilliseconds(400), ItemRetry = retry });

        // Chunks of two: item 3 is the second of its chunk, so its index is the chunk's offset plus one.
        var results = await pool.MapAsync(HangingFirst(tries, 3, 1), Enumerable.Range(0, 6), 2).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 6).Select(PoolTargets.Square), results);
        Assert.Equal(2, PoolTargets.Tries(tries, 3));
        var timeout = Assert.IsType<ItemTimeoutException>(Assert.Single(retried));
        Assert.Equal(3, timeout.ItemIndex);
        Assert.True(await OsProcesses.AllGoneWithin([timeout.WorkerPid], ExitBound), $"the worker stuck in item 3 ({timeout.WorkerPid}) is still alive");
        Assert.Equal(2, (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count);
    }

    [Fact]
    public async Task MapAsync_ItemPastItsDeadlineOnEveryTry_FailsWithItemTimeoutNamingItsIndex()
    {
        var tries = TriesFolder();
        var retry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemTimeout = TimeSpan.FromMilliseconds(300), ItemRetry = retry });

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() =>
            pool.MapAsync(HangingFirst(tries, 5, int.MaxValue), Enumerable.Range(0, 8), 2).WaitAsync(Bound));

        Assert.Equal(5, error.ItemIndex);
        Assert.StartsWith("Item 5 of the map ran for", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, PoolTargets.Tries(tries, 5));
        Assert.True(await OsProcesses.AllGoneWithin([error.WorkerPid], ExitBound), $"the worker stuck in item 5 ({error.WorkerPid}) is still alive");
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 3), 1).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_ItemThrowsTwice_SucceedsOnItsThirdTryWithEveryItemOnceInResultsAndProgress()
    {
        var tries = TriesFolder();
        var done = new List<long>();
        var progress = new InlineProgress(p => done.Add(p.Done));
        // The delay lets every other item finish first: the call must still wait for item 4.
        var retry = new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.FromMilliseconds(200) };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemRetry = retry });

        var results = await pool.MapAsync(FailingFirst(tries, 4, 2), Enumerable.Range(0, 8), 1, progress).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 8).Select(PoolTargets.Square), results);
        Assert.Equal(3, PoolTargets.Tries(tries, 4));
        Assert.All(Enumerable.Range(0, 8).Where(x => x != 4), x => Assert.Equal(1, PoolTargets.Tries(tries, x)));
        Assert.Equal(Enumerable.Range(1, 8).Select(n => (long)n), done);
    }

    [Fact]
    public async Task MapAsync_FirstChunkOfABatchFailsOnce_TheBatchsOtherChunkStillRuns()
    {
        // One worker: its first batch is the map's first two chunks, and the first one fails.
        var tries = TriesFolder();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, ItemRetry = new RetryStrategyOptions { Delay = TimeSpan.Zero } });

        var results = await pool.MapAsync(FailingFirst(tries, 0, 1), Enumerable.Range(0, 4), 1).WaitAsync(Bound);

        Assert.Equal(new[] { 0, 1, 4, 9 }, results);
        Assert.Equal(new[] { 2, 1, 1, 1 }, Enumerable.Range(0, 4).Select(x => PoolTargets.Tries(tries, x)));
    }

    [Fact]
    public async Task MapAsync_StrategyHandlesOnlyInvalidOperation_ArgumentExceptionIsNotRetriedAndKeepsItsType()
    {
        var tries = TriesFolder();
        var retry = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.Zero,
        };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.MapAsync(Rejecting(tries, 2), Enumerable.Range(0, 4), 1, itemOptions: new ItemOptions { Retry = retry }).WaitAsync(Bound));

        Assert.StartsWith("item 2 rejected on try 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, Assert.IsType<RemoteException>(error.InnerException).ItemIndex);
        Assert.Equal(1, PoolTargets.Tries(tries, 2));
    }

    [Fact]
    public async Task MapAsync_RetriesRunOut_FailsWithTheLastErrorAndTheItemsIndex()
    {
        var tries = TriesFolder();
        var retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(5) };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemRetry = retry });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            pool.MapAsync(FailingFirst(tries, 5, int.MaxValue), Enumerable.Range(0, 8), 2).WaitAsync(Bound));

        Assert.Equal("item 5 failed on try 3", error.Message);
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal(5, remote.ItemIndex);
        Assert.StartsWith("Item 5 of the map", remote.Message, StringComparison.Ordinal);
        Assert.Equal(3, PoolTargets.Tries(tries, 5));
        Assert.Equal(3, PoolTargets.Tries(tries, 4));   // its chunk's other item runs again with it
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 3), 1).WaitAsync(Bound));
    }

    [Fact]
    public async Task IMap_ItemFailsOnce_YieldsEveryResultInOrder()
    {
        var tries = TriesFolder();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var options = new ItemOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(100) } };

        var results = await Collect(pool.IMap(FailingFirst(tries, 3, 1), Enumerable.Range(0, 10), 1, options), []).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 10).Select(PoolTargets.Square), results);
        Assert.Equal(2, PoolTargets.Tries(tries, 3));
    }

    [Fact]
    public async Task IMap_RetriesRunOut_ThrowsAtTheItemsPositionAfterEveryResultBeforeIt()
    {
        var tries = TriesFolder();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var options = new ItemOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero } };
        var results = new List<int>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Collect(pool.IMap(FailingFirst(tries, 6, int.MaxValue), Enumerable.Range(0, 10), 1, options), results).WaitAsync(Bound));

        Assert.Equal("item 6 failed on try 2", error.Message);
        Assert.Equal(6, Assert.IsType<RemoteException>(error.InnerException).ItemIndex);
        Assert.Equal(Enumerable.Range(0, 6).Select(PoolTargets.Square), results);
    }

    [Fact]
    public async Task MapAsync_CallsOwnRetry_OverridesThePools()
    {
        var pools = TriesFolder();
        var calls = TriesFolder();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemRetry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero } });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            pool.MapAsync(FailingFirst(pools, 2, 2), Enumerable.Range(0, 4), 1).WaitAsync(Bound));
        var results = await pool.MapAsync(
            FailingFirst(calls, 2, 2), Enumerable.Range(0, 4), 1,
            itemOptions: new ItemOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero } }).WaitAsync(Bound);

        Assert.Equal("item 2 failed on try 2", error.Message);
        Assert.Equal(2, PoolTargets.Tries(pools, 2));
        Assert.Equal(new[] { 0, 1, 4, 9 }, results);
        Assert.Equal(3, PoolTargets.Tries(calls, 2));
        Assert.Equal(2, (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count);
    }

    [Fact]
    public async Task ApplyAsync_FunctionThrowsOnce_RetriedToItsResult()
    {
        var tries = TriesFolder();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var result = await pool.ApplyAsync(
            () => PoolTargets.SquareFailingFirst(tries, 7, 1, 7),
            new ItemOptions { Retry = new RetryStrategyOptions { Delay = TimeSpan.Zero } }).WaitAsync(Bound);

        Assert.Equal(49, result);
        Assert.Equal(2, PoolTargets.Tries(tries, 7));
    }

    [Fact]
    public async Task MapAsync_CancelledWhileARetryWaitsForItsDelay_EndsAtOnceAndLeavesNoMap()
    {
        var tries = TriesFolder();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var retry = new RetryStrategyOptions
        {
            Delay = TimeSpan.FromMinutes(10),
            OnRetry = _ =>
            {
                waiting.TrySetResult();
                return default;
            },
        };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, ItemRetry = retry });
        using var cancel = new CancellationTokenSource();
        var map = pool.MapAsync(FailingFirst(tries, 1, 1), Enumerable.Range(0, 4), 1, cancellationToken: cancel.Token);
        await waiting.Task.WaitAsync(Bound);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));
        Assert.Equal(1, PoolTargets.Tries(tries, 1));
        Assert.DoesNotContain("map ", (await pool.StatusAsync().WaitAsync(Bound)).Detail, StringComparison.Ordinal);
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 3), 1).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_CancelledWhileARetryRuns_ItsWorkerIsKilledAndThePoolIsWhole()
    {
        var tries = TriesFolder();
        var marker = ScratchFile($"retry-{Guid.NewGuid():N}");
        await using var pool = Runtime.CreatePool(new PoolOptions
        {
            Processes = 2,
            CancellationGracePeriod = TimeSpan.FromMilliseconds(200),
            ItemRetry = new RetryStrategyOptions { Delay = TimeSpan.Zero },
        });
        using var cancel = new CancellationTokenSource();
        var map = pool.MapAsync(FailingThenBlocking(tries, marker, 1), Enumerable.Range(0, 4), 1, cancellationToken: cancel.Token);
        await WaitForFile(marker);
        var busy = int.Parse(await File.ReadAllTextAsync(marker + ".pid"));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));
        Assert.True(await OsProcesses.AllGoneWithin([busy], ExitBound), $"the worker running the cancelled retry ({busy}) is still alive");
        Assert.Equal(2, PoolTargets.Tries(tries, 1));
        var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, ready.Count);
        Assert.DoesNotContain(busy, ready);
        Assert.DoesNotContain("map ", (await pool.StatusAsync().WaitAsync(Bound)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapAsync_RetryComesDueAfterClose_FailsWithoutRunningItAndThePoolStillJoins()
    {
        var tries = TriesFolder();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var retry = new RetryStrategyOptions
        {
            Delay = TimeSpan.FromMilliseconds(300),
            OnRetry = _ =>
            {
                waiting.TrySetResult();
                return default;
            },
        };
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, ItemRetry = retry });
        var map = pool.MapAsync(FailingFirst(tries, 1, 1), Enumerable.Range(0, 3), 1);
        await waiting.Task.WaitAsync(Bound);

        await pool.CloseAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => map.WaitAsync(Bound));
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, PoolTargets.Tries(tries, 1));
        await pool.JoinAsync().WaitAsync(Bound);
    }

    [Fact]
    public void PoolOptions_InvalidRetryStrategy_NamesTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Runtime.CreatePool(new PoolOptions { Processes = 1, ItemRetry = new RetryStrategyOptions { MaxRetryAttempts = 0 } }));

        Assert.Equal("ItemRetry", error.ParamName);
        Assert.Contains("MaxRetryAttempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapAsync_InvalidRetryStrategyForTheCall_NamesTheOptionAndThePoolStaysUsable()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.MapAsync(PoolTargets.Square, [1], itemOptions: new ItemOptions { Retry = new RetryStrategyOptions { Delay = TimeSpan.FromDays(2) } }));

        Assert.Equal("Retry", error.ParamName);
        Assert.Contains("Delay", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 4 }, await pool.MapAsync(PoolTargets.Square, [2]).WaitAsync(Bound));
    }

    private static async Task<List<int>> Collect(IAsyncEnumerable<int> stream, List<int> into)
    {
        await foreach (var result in stream)
        {
            into.Add(result);
        }
        return into;
    }

    // Made apart from the tests: a lambda written in a test would share its closure with the test's pool, which cannot travel.
    private static Func<int, int> FailingFirst(string tries, int failing, int failures) => x => PoolTargets.SquareFailingFirst(tries, failing, failures, x);

    private static Func<int, int> HangingFirst(string tries, int failing, int hangs) => x => PoolTargets.SquareHangingFirst(tries, failing, hangs, x);

    private static Func<int, int> Rejecting(string tries, int failing) => x => PoolTargets.SquareRejecting(tries, failing, x);

    private static Func<int, int> FailingThenBlocking(string tries, string marker, int failing) => x => PoolTargets.SquareFailingThenBlocking(tries, marker, failing, x);

    /// <summary>A folder of its own for a call's try counts (<see cref="PoolTargets.CountTry"/>).</summary>
    private string TriesFolder() => Directory.CreateDirectory(ScratchFile($"tries-{Guid.NewGuid():N}")).FullName;
}
