using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>
/// Workers launched while the runtime starts (what a pool that creates the default runtime does):
/// they are adopted by the processes and pool workers that start next, and the ones nobody adopts
/// end with the runtime.
/// </summary>
public sealed class PrelaunchTests
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task Create_WithPrestart_LaunchesWorkersBeforeAnyProcessStarts_AndAProcessAdoptsOne()
    {
        var name = UniqueSystemName();
        var runtime = ParallelRuntime.Create(Options(name), prestart: 3);
        var prelaunched = OsProcesses.WorkersOfSystem(name);
        try
        {
            Assert.Equal(3, prelaunched.Count);
            var scratch = Path.Combine(Path.GetTempPath(), $"{name}.txt");
            var process = runtime.CreateProcess(TestTargets.WriteFile, scratch, "adopted");

            await process.StartAsync();
            Assert.True(await process.JoinAsync(Bound));

            Assert.Contains(process.Pid!.Value, prelaunched);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("adopted", File.ReadAllText(scratch));
            File.Delete(scratch);
            Assert.Equal(2, OsProcesses.WorkersOfSystem(name).Count);
        }
        finally
        {
            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);
        }
        // The two that nobody adopted end with the runtime: end-of-file on stdin, then a kill.
        Assert.True(await OsProcesses.AllGoneWithin(prelaunched, TimeSpan.FromSeconds(5)), "A prelaunched worker outlived its runtime.");
    }

    [Fact]
    public async Task Pool_OnARuntimeThatPrelaunchedItsWorkers_RunsOnThoseProcesses()
    {
        var name = UniqueSystemName();
        var runtime = ParallelRuntime.Create(Options(name), prestart: 2);
        var prelaunched = OsProcesses.WorkersOfSystem(name);
        try
        {
            await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });

            var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 10)).WaitAsync(Bound);

            Assert.Equal(Enumerable.Range(0, 10).Select(x => x * x), squares);
            // No process was launched besides the two: the pool's workers are the prelaunched ones.
            Assert.Equal(prelaunched.Order(), await pool.WaitForWorkersAsync().WaitAsync(Bound));
            Assert.Equal(prelaunched.Order(), OsProcesses.WorkersOfSystem(name).Order());
        }
        finally
        {
            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);
            foreach (var pid in prelaunched)
            {
                OsProcesses.KillQuietly(pid);
            }
        }
    }

    private static string UniqueSystemName() => $"prelaunch-{Guid.NewGuid():N}";

    private static ParallelRuntimeOptions Options(string systemName) =>
        new() { WorkerStart = WorkerStart.Host, SystemName = systemName };
}
