using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>Pools that are killed into, closed, terminated, recycled: each test has its own.</summary>
public sealed class PoolLifecycleTests : RuntimeFixture
{
    private static readonly TimeSpan MapBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task MapAsync_WorkerSigkilledMidMap_CompletesWithExactOrderedResultsOverSeveralRounds()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        for (var round = 0; round < 3; round++)
        {
            var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var pids = await pool.GetWorkerPidsAsync();
            var progress = new InlineProgress(p =>
            {
                if (p.Done >= 40 + (round * 30) && !killed.Task.IsCompleted)
                {
                    var pid = pids.Count > 0 ? pids[round % pids.Count] : 0;
                    killed.TrySetResult(pid);
                    OsProcesses.KillQuietly(pid);
                }
            });

            var results = await pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 400), chunkSize: 2, progress).WaitAsync(MapBound);

            Assert.Equal(Enumerable.Range(0, 400).Select(PoolTargets.Square), results);
            Assert.True(killed.Task.IsCompleted, $"round {round}: no worker was killed");
            Assert.False(OsProcesses.IsAlive(await killed.Task));
        }
        var after = await pool.WaitForWorkersAsync().WaitAsync(MapBound);
        Assert.Equal(2, after.Count);
    }

    [Fact]
    public async Task MapAsync_PoisonItemKillsEveryWorkerItRunsOn_FailsNamingTheChunkAndPoolRecovers()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 3 });

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => pool.MapAsync(PoolTargets.DieOnFive, Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(MapBound));

        Assert.Equal(5, error.FirstItem);
        Assert.Equal(1, error.ItemCount);
        Assert.Contains("alone", error.Message);
        Assert.Contains("3 times", error.Message);
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(MapBound));
    }

    [Fact]
    public async Task Initializer_RunsOncePerWorkerProcessBeforeWork()
    {
        var folder = ScratchFile("init");
        Directory.CreateDirectory(folder);
        await using var pool = Runtime.CreatePool(new PoolOptions
        {
            Processes = 2,
            Initializer = PoolTargets.MarkInitialized,
            InitializerArgs = [folder],
        });

        var workers = await pool.WaitForWorkersAsync().WaitAsync(MapBound);
        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 50), chunkSize: 1).WaitAsync(MapBound);
        // A worker whose initializer is still running when the map ends may have run none of it (its chunks
        // were taken back for the idle one, as Python's other workers take the tasks): it initializes all the same.
        foreach (var worker in workers)
        {
            await WaitForFile(Path.Combine(folder, $"done-{worker}"));
        }

        var initialized = Directory.GetFiles(folder, "init-*").ToDictionary(f => int.Parse(Path.GetFileName(f)["init-".Length..]), File.ReadAllLines);
        Assert.Equal(workers.Order(), initialized.Keys.Order());
        Assert.All(initialized.Values, lines => Assert.Single(lines));
        Assert.All(pids.Distinct(), pid => Assert.Contains(pid, initialized.Keys));
    }

    [Fact]
    public async Task Initializer_Throws_MapFailsWithTheInitializersError()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, Initializer = TestTargets.Throw, InitializerArgs = ["no setup"] });

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 10)).WaitAsync(MapBound));

        Assert.Equal("no setup", thrown.Message);
        var error = Assert.IsType<RemoteException>(thrown.InnerException);
        Assert.Equal("no setup", error.RemoteMessage);
        Assert.Contains("initializer", error.Message);
    }

    [Fact]
    public async Task MaxTasksPerChild_ReplacesWorkersSoPidsChange()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxTasksPerChild = 2 });

        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 12), chunkSize: 1).WaitAsync(MapBound);

        Assert.True(pids.Distinct().Count() >= 6, $"12 tasks at 2 per child need at least 6 processes, saw {pids.Distinct().Count()}");
        Assert.All(pids.GroupBy(p => p), g => Assert.True(g.Count() <= 2, $"pid {g.Key} ran {g.Count()} tasks"));
    }

    [Fact]
    public async Task TerminateAsync_DuringMap_FailsTheMapEndsWorkersAndRefusesNewWork()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(MapBound);
        var map = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 5_000), chunkSize: 1);

        await pool.TerminateAsync().WaitAsync(MapBound);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(MapBound));
        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.MapAsync(PoolTargets.Square, [1]));
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_AwaitUsing_EndsWorkers()
    {
        IReadOnlyList<int> pids;
        await using (var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 }))
        {
            await pool.MapAsync(PoolTargets.Square, [1, 2, 3]).WaitAsync(MapBound);
            pids = await pool.WaitForWorkersAsync().WaitAsync(MapBound);
        }

        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task CloseAsync_ThenJoinAsync_FinishesRunningMapThenWorkersExit()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(MapBound);
        var map = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 100), chunkSize: 5);

        await pool.CloseAsync();
        await pool.JoinAsync().WaitAsync(MapBound);

        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), await map.WaitAsync(MapBound));
        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.MapAsync(PoolTargets.Square, [1]));
        await pool.DisposeAsync();
    }

    [Fact]
    public async Task JoinAsync_OpenPool_ThrowsInvalidOperation()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.JoinAsync());
    }

    [Theory]
    [InlineData(0, null, 3)]
    [InlineData(-2, null, 3)]
    [InlineData(2, 0, 3)]
    [InlineData(2, null, 0)]
    public void Create_InvalidOptions_ThrowsArgumentExceptionNamingTheOption(int processes, int? maxTasksPerChild, int maxChunkLosses)
    {
        // One style for every options class: one ArgumentException listing every problem, ParamName the option at fault.
        var error = Assert.Throws<ArgumentException>(() =>
            Runtime.CreatePool(new PoolOptions { Processes = processes, MaxTasksPerChild = maxTasksPerChild, MaxChunkLosses = maxChunkLosses }));

        Assert.Contains("must be at least 1", error.Message);
        Assert.Equal(processes < 1 ? "Processes" : maxTasksPerChild is not null ? "MaxTasksPerChild" : "MaxChunkLosses", error.ParamName);
    }

    [Fact]
    public async Task WaitForWorkersAsync_ReturnsOnceEveryWorkerIsReady_AndIsRefusedAfterTerminate()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 3 });

        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        Assert.Equal(3, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.True(OsProcesses.IsAlive(pid)));
        await pool.TerminateAsync().WaitAsync(Bound);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.WaitForWorkersAsync());
    }
}
