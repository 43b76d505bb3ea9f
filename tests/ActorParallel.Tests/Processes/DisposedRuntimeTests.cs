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
}
