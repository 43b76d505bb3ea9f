using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// Workers run in a memory cgroup of the test's own, limited to 192 MB, where code that keeps taking
/// native memory (as a leaking native library would) is ended by the kernel's own OOM killer; the
/// driver reports that death as out of memory, naming the cgroup's OOM-kill counter that rose.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class OutOfMemoryFaultTests : IAsyncLifetime
{
    private const long Limit = 192 * 1024 * 1024;
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    private readonly string _scratch = Directory.CreateTempSubdirectory("actorparallel-oom-").FullName;
    private TestMemoryCgroup? _cgroup;
    private ParallelRuntime? _runtime;

    private ParallelRuntime Runtime => _runtime!;

    public Task InitializeAsync()
    {
        if (TestMemoryCgroup.Unavailable is null)
        {
            _cgroup = TestMemoryCgroup.Create(Limit, _scratch);
            _runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerHostPath = _cgroup.WorkerExecutable });
        }
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync().AsTask().WaitAsync(Bound);
        }
        _cgroup?.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    [MemoryCgroupFact]
    public async Task ExitCause_ProcessTakesMoreThanItsCgroupAllows_OutOfMemoryNamingTheCounter()
    {
        var process = Runtime.CreateProcess(DeathTargets.ExhaustNativeMemory);

        await process.StartAsync();
        Assert.True(await process.JoinAsync(Bound), $"{process} was not ended within {Bound}");

        var cause = Assert.IsType<WorkerExitCause>(process.ExitCause);
        Assert.Equal((WorkerExitKind.OutOfMemory, -9, "SIGKILL"), (cause.Kind, cause.ExitCode, cause.SignalName));
        Assert.Equal(1, _cgroup!.OomKills);
        Assert.Equal($"memory cgroup {CgroupPath}: oom_kill 0 → 1", cause.Detail);
        Assert.StartsWith("out of memory: killed by the kernel's OOM killer (SIGKILL (signal 9); memory cgroup ", cause.Message);
    }

    [MemoryCgroupFact]
    public async Task MapAsync_ItemTakesMoreThanItsWorkersCgroupAllows_WorkerLostExceptionSaysOutOfMemory()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, MaxChunkLosses = 1 });

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => pool.MapAsync(DeathTargets.TakeNativeMemoryForever, new[] { 0 }, 1).WaitAsync(Bound));

        Assert.Equal(WorkerExitKind.OutOfMemory, error.Cause?.Kind);
        Assert.Contains("last: out of memory: killed by the kernel's OOM killer", error.Message);
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    /// <summary>The test cgroup as the kernel names it (its path below the memory hierarchy's mount).</summary>
    private string CgroupPath => _cgroup!.Directory["/sys/fs/cgroup/memory".Length..];
}
