using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>A disposed runtime refuses new work with <see cref="ObjectDisposedException"/>, at once: nothing waits on its stopped supervisor.</summary>
public sealed class DisposedRuntimeTests
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task ADisposedRuntime_RefusesProcessesPoolsAndManagers_AndAProcessMadeBeforeCannotStart()
    {
        var name = $"disposed-{Guid.NewGuid():N}";
        var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, SystemName = name, SpareProcesses = 1 });
        var madeBefore = runtime.CreateProcess(TestTargets.Nothing);
        await runtime.SparesWaitingAsync().WaitAsync(Bound);
        var spares = OsProcesses.WorkersOfSystem(name);

        await runtime.DisposeAsync().AsTask().WaitAsync(Bound);

        var start = await Assert.ThrowsAsync<ObjectDisposedException>(() => madeBefore.StartAsync().WaitAsync(Bound));
        var create = Assert.Throws<ObjectDisposedException>(() => runtime.CreateProcess(TestTargets.Nothing));
        var pool = Assert.Throws<ObjectDisposedException>(() => runtime.CreatePool(new PoolOptions { Processes = 1 }));
        var manager = await Assert.ThrowsAsync<ObjectDisposedException>(() => Manager.StartAsync(runtime).WaitAsync(Bound));

        Assert.All(new[] { start, create, pool, manager }, error => Assert.Contains("ParallelRuntime is disposed", error.Message));
        Assert.Null(madeBefore.Pid);
        Assert.Single(spares);
        Assert.True(await OsProcesses.AllGoneWithin(spares, TimeSpan.FromSeconds(5)), "The spare outlived its runtime.");
    }

    [Fact]
    public async Task RuntimeDisposedDuringAMap_TheMapFailsNamingWhy_AndAPoolMadeBeforeRefusesWorkAndDisposesAtOnce()
    {
        var name = $"disposed-map-{Guid.NewGuid():N}";
        var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, SystemName = name });
        var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var map = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 100_000), chunkSize: 1);

        await runtime.DisposeAsync().AsTask().WaitAsync(Bound);

        // Before, the map waited for ever, and so did the pool's DisposeAsync.
        var failed = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));
        Assert.Contains("runtime was disposed", failed.Message);
        var refused = await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.MapAsync(PoolTargets.Square, [1, 2]).WaitAsync(Bound));
        Assert.Contains("runtime was disposed", refused.Message);
        await pool.DisposeAsync().AsTask().WaitAsync(Bound);
        Assert.True(await OsProcesses.AllGoneWithin(workers, TimeSpan.FromSeconds(10)), "A worker outlived its runtime.");
    }

    [Fact]
    public async Task AttachedSystemTerminatedDuringAMap_TheMapFails_AndNoWorkerIsLeft()
    {
        // An application's own system (as Attach documents) ends on SIGTERM through Akka's shutdown hook: its maps must end too.
        var system = Akka.Actor.ActorSystem.Create($"attached-{Guid.NewGuid():N}", ParallelRuntime.AkkaConfiguration);
        await using var runtime = ParallelRuntime.Attach(system, new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var map = pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 100_000), chunkSize: 1);

        await system.Terminate().WaitAsync(Bound);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(Bound));
        Assert.True(await OsProcesses.AllGoneWithin(workers, TimeSpan.FromSeconds(10)), "A worker outlived its system.");
    }
}
