using ActorParallel.Tests.Support;
using Akka.Actor;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// The router's view of its workers and maps, checked against the OS: whatever a pool is put through
/// (an empty map, retirements, a close before its workers are ready, a cancelled map that never ends,
/// a router that stops), it holds exactly its workers and no process outlives it. Each test has a
/// runtime of its own, named so that only its workers are counted.
/// </summary>
public sealed class PoolBookkeepingTests() : RuntimeFixture($"bookkeeping-{Guid.NewGuid():N}")
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(20);

    private IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    [Fact]
    public async Task MapAsync_EmptyInputThenAMap_PoolKeepsExactlyItsWorkers()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 4 });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        Assert.Empty(await pool.MapAsync(PoolTargets.Square, Array.Empty<int>(), 1).WaitAsync(Bound));
        Assert.Equal(new[] { 1, 4, 9 }, await pool.MapAsync(PoolTargets.Square, new[] { 1, 2, 3 }).WaitAsync(Bound));
        Assert.Empty(await pool.MapAsync(PoolTargets.Square, Array.Empty<int>()).WaitAsync(Bound));

        Assert.Equal(pids, await pool.GetWorkerPidsAsync().WaitAsync(Bound));
        Assert.Equal(pids.Order(), LiveWorkers.Order());
        await pool.DisposeAsync();
        Assert.True(await OsProcesses.AllGoneWithin(pids, ExitBound));
        Assert.Empty(LiveWorkers);
    }

    [Fact]
    public async Task MaxTasksPerChild_ManyRetirements_PoolNeverHoldsMoreThanItsProcesses()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 3, MaxTasksPerChild = 10 });

        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100), 1).WaitAsync(Bound));
        await AssertHoldsExactly(pool, 3);
        for (var call = 0; call < 30; call++)
        {
            Assert.Equal(call, await pool.ApplyAsync(() => call).WaitAsync(Bound));
        }
        await AssertHoldsExactly(pool, 3);

        // 130 tasks at 10 a child: 13 retirements, each replaced once.
        var status = await pool.StatusAsync().WaitAsync(Bound);
        Assert.InRange(status.ProcessesStarted, 3 + 12, 3 + 13);
        await pool.DisposeAsync();
        Assert.True(await OsProcesses.AllGoneWithin(LiveWorkers, ExitBound));
    }

    [Fact]
    public async Task CloseAsync_RightAfterSubmittingBeforeWorkersAreReady_MapFinishesAndJoinReturns()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 3 });
        var map = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 6), 1);

        await pool.CloseAsync();
        await pool.JoinAsync().WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 6).Select(PoolTargets.Square), await map.WaitAsync(Bound));
        Assert.Empty(LiveWorkers);
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task MapAsync_AfterCancellingAMapWhoseItemNeverEnds_CompletesOnTheWorkerThatIsFree()
    {
        // Never killed: what is checked here is that the busy worker is not given work meanwhile.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, CancellationGracePeriod = Timeout.InfiniteTimeSpan });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        using var cancel = new CancellationTokenSource();
        var (stuck, busy) = await StartEndlessItem(pool, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(Bound));
        var doubled = await pool.IMap(x => (x * 2, Environment.ProcessId), Enumerable.Range(0, 4), 1).ToListAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(new[] { 0, 2, 4, 6 }, doubled.Select(r => r.Item1));
        Assert.DoesNotContain(busy, doubled.Select(r => r.Item2));
        Assert.Equal(pids.Order(), LiveWorkers.Order());
    }

    [Fact]
    public async Task MapAsync_CancelledWhileItsItemNeverEnds_WorkerKilledAfterTheGracePeriodAndReplaced()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, CancellationGracePeriod = TimeSpan.FromMilliseconds(300) });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        using var cancel = new CancellationTokenSource();
        var (stuck, busy) = await StartEndlessItem(pool, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(Bound));
        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 4), 1).WaitAsync(Bound);

        Assert.True(await OsProcesses.AllGoneWithin([busy], ExitBound), $"the worker running the cancelled item ({busy}) is still alive");
        Assert.DoesNotContain(busy, pids);
        var replacement = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(replacement.Order(), LiveWorkers.Order());
        Assert.Single(replacement);
    }

    [Fact]
    public async Task MapAsync_AnotherMapCancelledAndItsWorkerKilled_LosesNothingOfThisOne()
    {
        // MaxChunkLosses 1: a chunk of this map queued on the killed worker would fail it if the kill were held against it.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 1, CancellationGracePeriod = TimeSpan.FromMilliseconds(300) });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        using var cancel = new CancellationTokenSource();
        var (stuck, _) = await StartEndlessItem(pool, cancel.Token);
        var other = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 400), 1);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(Bound));

        Assert.Equal(Enumerable.Range(0, 400).Select(PoolTargets.Square), await other.WaitAsync(Bound));
        Assert.Equal(2, (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count);
    }

    [Fact]
    public async Task IMap_InputThrowsAtItsFourthItem_YieldsTheThreeResultsBeforeItThenThrows()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var seen = new List<int>();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var result in pool.IMap(PoolTargets.Square, ThrowsAtThree()).WithCancellation(CancellationToken.None))
            {
                seen.Add(result);
            }
        }).WaitAsync(Bound);

        Assert.Equal(new[] { 0, 1, 4 }, seen);
        Assert.Equal("no fourth item", error.Message);
    }

    [Fact]
    public async Task IMap_FunctionThrowsOnAnItem_YieldsEveryResultBeforeItThenThrows()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var seen = new List<int>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var result in pool.IMap(PoolTargets.SlowFirstThrowOnSeven, Enumerable.Range(0, 20)))
            {
                seen.Add(result);
            }
        }).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 7), seen);
        Assert.Equal(7, Assert.IsType<RemoteException>(error.InnerException).ItemIndex);
        Assert.Equal(new[] { 1, 4 }, await pool.MapAsync(PoolTargets.Square, new[] { 1, 2 }).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_LambdaInALoopOverAnOuterVariable_RunsEveryRound()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var offset = 10;
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(new[] { 10, 11, 12 }, await pool.MapAsync(x => x + offset, Enumerable.Range(0, 3)).WaitAsync(Bound));
            Assert.Equal(11, await pool.ApplyAsync(() => offset + 1).WaitAsync(Bound));
        }
    }

    [Fact]
    public async Task Router_Stopped_EndsItsWorkers()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        Assert.True(await pool.Router.GracefulStop(Bound));

        Assert.True(await OsProcesses.AllGoneWithin(pids, ExitBound), "the stopped router's workers are still running");
        Assert.Empty(LiveWorkers);
    }

    /// <summary>Starts a map of one item that never returns, and waits until it runs: the map and the pid of the worker running it.</summary>
    private async Task<(Task Map, int Busy)> StartEndlessItem(ActorParallel.Pool pool, CancellationToken cancellationToken)
    {
        var marker = ScratchFile($"endless-{Guid.NewGuid():N}");
        var map = pool.MapAsync(_ => PoolTargets.MarkThenBlock(marker), new[] { 0 }, 1, cancellationToken: cancellationToken);
        await WaitForFile(marker);
        return (map, int.Parse(await File.ReadAllTextAsync(marker + ".pid")));
    }

    /// <summary>Once retired workers have exited, the OS shows exactly the pool's ready workers, <paramref name="processes"/> of them.</summary>
    private async Task AssertHoldsExactly(ActorParallel.Pool pool, int processes)
    {
        var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(processes, ready.Count);
        var retiring = LiveWorkers.Except(ready).ToList();
        Assert.True(await OsProcesses.AllGoneWithin(retiring, ExitBound), $"workers beyond the pool's {processes} still run: {string.Join(", ", LiveWorkers.Except(ready))}");
        Assert.Equal(ready.Order(), LiveWorkers.Order());
    }

    private static IEnumerable<int> ThrowsAtThree()
    {
        for (var i = 0; i < 10; i++)
        {
            if (i == 3)
            {
                throw new ArgumentException("no fourth item");
            }
            yield return i;
        }
    }
}
