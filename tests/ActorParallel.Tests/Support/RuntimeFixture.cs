namespace ActorParallel.Tests.Support;

/// <summary>
/// A test's own driver runtime running workers through ActorParallel.Host (the test runner cannot be
/// re-entered as a worker), a scratch folder, and cleanup that kills every worker even when a test fails.
/// </summary>
public abstract class RuntimeFixture : IAsyncLifetime
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly List<WorkerProcess> _processes = [];

    /// <param name="systemName">
    /// The runtime's ActorSystem name; a test that counts its workers from the OS
    /// (<see cref="OsProcesses.WorkersOfSystem"/>) gives a name no other test uses.
    /// </param>
    protected RuntimeFixture(string? systemName = null)
    {
        var options = new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, LoggerFactory = Logs.Factory };
        if (systemName is not null)
        {
            options.SystemName = systemName;
        }
        Runtime = ParallelRuntime.Create(options);
        Scratch = Directory.CreateTempSubdirectory("actorparallel-tests-").FullName;
    }

    protected ParallelRuntime Runtime { get; }

    /// <summary>What the runtime logged: the library's records from Information up, Akka's from Warning up.</summary>
    protected CollectedLogs Logs { get; } = new();

    protected string Scratch { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Runtime.DisposeAsync().AsTask().WaitAsync(Bound);
        foreach (var pid in _processes.Select(p => p.Pid).OfType<int>())
        {
            OsProcesses.KillQuietly(pid);
        }
        Directory.Delete(Scratch, recursive: true);
    }

    protected WorkerProcess Create(Delegate target, params object?[] args)
    {
        var process = Runtime.CreateProcess(target, args);
        _processes.Add(process);
        return process;
    }

    protected string ScratchFile(string name) => Path.Combine(Scratch, name);

    /// <summary>Starts every process, then waits for every one to exit.</summary>
    protected static async Task StartAndJoinAll(IReadOnlyList<WorkerProcess> processes)
    {
        await Task.WhenAll(processes.Select(p => p.StartAsync()));
        await Task.WhenAll(processes.Select(Joined));
    }

    /// <summary>Waits for a worker to create <paramref name="path"/> in the scratch folder (or a folder in it): its way of saying it got somewhere.</summary>
    protected async Task WaitForFile(string path)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path) ?? Scratch);
        watcher.Created += (_, e) =>
        {
            if (e.FullPath == path)
            {
                created.TrySetResult();
            }
        };
        watcher.EnableRaisingEvents = true;
        if (!File.Exists(path))
        {
            await created.Task.WaitAsync(Bound);
        }
    }

    /// <summary>Starts an <c>ApplyAsync</c> call that never returns (no deadline) and waits until it runs: the call, and the pid of the worker it holds.</summary>
    protected async Task<(Task<int> Call, int Pid)> BlockAWorker(ActorParallel.Pool pool)
    {
        var marker = ScratchFile($"blocked-{Guid.NewGuid():N}");
        var call = pool.ApplyAsync(() => PoolTargets.MarkThenBlock(marker));
        await WaitForFile(marker);
        return (call, int.Parse(await File.ReadAllTextAsync(marker + ".pid"), System.Globalization.CultureInfo.InvariantCulture));
    }

    protected static async Task Joined(WorkerProcess process)
    {
        Assert.True(await process.JoinAsync(Bound), $"{process} did not exit within {Bound}.");
    }
}
