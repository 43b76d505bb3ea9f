using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// After a Manager is disposed, every operation on its objects fails at once with an
/// <see cref="ObjectDisposedException"/> naming it: in the driver, in direct-linked and remoting
/// workers, and in pool functions, whose workers survive it.
/// </summary>
public sealed class ManagerDisposeTests : RuntimeFixture
{
    /// <summary>Far below what a request waits before it gives up (5 s per attempt): a prompt answer, not a timeout.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task EveryOperation_InTheDriverAfterDispose_ThrowsObjectDisposedNamingTheManager()
    {
        var manager = await Manager.StartAsync(Runtime);
        var (list, value, dict, array, gate) = MakeEveryKind(manager);
        var ns = manager.Namespace();
        list.Append(0);
        await manager.DisposeAsync().AsTask().WaitAsync(Bound);

        var operations = DisposedManagerTargets.Operations(list, value, dict, array, gate).Concat(
        [
            ("list.DeleteAsync", () => list.DeleteAsync()),
            ("ns.SetAsync", () => ns.SetAsync("x", 1)),
            ("ns.GetAsync", () => ns.GetAsync<int>("x")),
            ("manager.Namespace", () => Task.FromResult(manager.Namespace())),
            ("manager.List", () => Task.FromResult(manager.List<int>())),
        ]);
        foreach (var (name, run) in operations)
        {
            var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => Task.Run(run).WaitAsync(Prompt));
            Assert.True(error.Message.Contains(manager.Name, StringComparison.Ordinal), $"{name}: {error.Message}");
        }
        await manager.DisposeAsync();
    }

    [Fact]
    public async Task AppendAndAdd_AsTheFirstOperationsAfterDispose_ThrowAtOnceInsteadOfBeingLost()
    {
        var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var value = manager.Value(0L);
        await manager.DisposeAsync().AsTask().WaitAsync(Bound);

        var append = Assert.Throws<ObjectDisposedException>(() => list.Append(3));
        var add = Assert.Throws<ObjectDisposedException>(() => value.Add(1));

        Assert.Contains(manager.Name, append.Message);
        Assert.Contains(manager.Name, add.Message);
    }

    [Fact]
    public async Task AcquireAsync_WaitingWhenTheManagerIsDisposed_ThrowsObjectDisposed()
    {
        var manager = await Manager.StartAsync(Runtime);
        var gate = manager.Lock();
        var hold = await gate.AcquireAsync().WaitAsync(Bound);
        var waiting = gate.AcquireAsync();

        await manager.DisposeAsync().AsTask().WaitAsync(Bound);

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(Prompt));
        Assert.Contains(manager.Name, error.Message);
        // The lock went with its manager: releasing the hold has nothing left to do, and does not throw.
        await hold.DisposeAsync().AsTask().WaitAsync(Prompt);
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task EveryOperation_InAWorkerAfterDispose_ThrowsObjectDisposed_AndANewerManagerStillWorks(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        var manager = await Manager.StartAsync(runtime);
        var (list, value, dict, array, gate) = MakeEveryKind(manager);
        await manager.DisposeAsync().AsTask().WaitAsync(Bound);
        await using var newer = await Manager.StartAsync(runtime);
        var live = newer.List<int>();
        var process = runtime.CreateProcess(DisposedManagerTargets.EveryOperationFails, list, value, dict, array, gate, manager.Name, live);
        try
        {
            await process.StartAsync().WaitAsync(Bound);
            // 19 operations: without a prompt answer each would wait ~25 s for its retries to run out.
            Assert.True(await process.JoinAsync(TimeSpan.FromSeconds(30)), "the worker was still running its operations after 30 s");

            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {process.Exception}");
            Assert.Equal([42], await live.ToListAsync().WaitAsync(Bound));
        }
        finally
        {
            if (process.Pid is { } pid)
            {
                OsProcesses.KillQuietly(pid);
            }
        }
    }

    [Fact]
    public async Task MapAsync_AppendingToADisposedManagersList_FailsNamingIt_AndTheWorkersLiveOn()
    {
        var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var workers = (await pool.GetWorkerPidsAsync().WaitAsync(Bound)).Order().ToList();
        await manager.DisposeAsync().AsTask().WaitAsync(Bound);

        var append = Appender(list);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => pool.MapAsync(append, Enumerable.Range(0, 20), chunkSize: 1).WaitAsync(TimeSpan.FromSeconds(20)));
        var squares = await pool.MapAsync(x => x * x, Enumerable.Range(0, 20), chunkSize: 1).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(
            error is ObjectDisposedException || (error is RemoteException remote && remote.RemoteType == typeof(ObjectDisposedException).FullName),
            $"expected ObjectDisposedException, got {error}");
        Assert.Contains(manager.Name, error.Message);
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), squares);
        Assert.Equal(workers, (await pool.GetWorkerPidsAsync().WaitAsync(Bound)).Order().ToList());
        Assert.All(workers, pid => Assert.True(OsProcesses.IsAlive(pid), $"worker {pid} is gone"));
    }

    /// <summary>A map function over <paramref name="list"/> alone (a lambda in the test would capture the pool too).</summary>
    private static Func<int, int> Appender(SharedList<int> list) => x =>
    {
        list.Append(x);
        return x;
    };

    private static (SharedList<int>, SharedValue<long>, SharedDict<string, int>, SharedArray<int>, SharedLock) MakeEveryKind(Manager manager) =>
        (manager.List<int>(), manager.Value(0L), manager.Dict<string, int>(), manager.Array<int>(2), manager.Lock());
}
