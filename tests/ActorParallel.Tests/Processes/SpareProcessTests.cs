using ActorParallel.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Processes;

/// <summary>
/// Spare processes (<see cref="ParallelRuntimeOptions.SpareProcesses"/>): started and waiting before
/// any process needs them, taken by the processes that start, replaced when a process ends, ended
/// with the runtime; a spare that died while it waited is never handed to a process.
/// </summary>
public sealed class SpareProcessTests
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task Spares_AreTakenByProcesses_ReplacedWhenTheyEnd_AndEndWithTheRuntime()
    {
        var name = UniqueSystemName();
        using var logs = new CollectedLogs(LogLevel.Debug);
        var options = Options(name, spares: 2);
        options.LoggerFactory = logs.Factory;
        var runtime = ParallelRuntime.Create(options);
        var seen = new List<int>();
        try
        {
            await runtime.SparesWaitingAsync().WaitAsync(Bound);
            var spares = OsProcesses.WorkersOfSystem(name);
            seen.AddRange(spares);
            Assert.Equal(2, spares.Count);
            // Each warmed up (a record of the worker's, before it said it waits), and none failed to.
            Assert.Equal(2, logs.Records.Count(r => r.Message.Contains("spare process warmed up", StringComparison.Ordinal)));
            Assert.DoesNotContain(logs.Records, r => r.Message.Contains("warm-up failed", StringComparison.Ordinal));
            // A waiting spare has warmed up on a block of its own, and unmapped it: it holds nothing of anyone's.
            Assert.All(spares, pid => Assert.DoesNotContain("actorparallel-", File.ReadAllText($"/proc/{pid}/maps")));

            using var array = new SynchronizedArray<double>(1000);
            var jobs = new[] { runtime.CreateProcess(SharedMemoryTargets.FillHalf, array, 0, 500), runtime.CreateProcess(SharedMemoryTargets.FillHalf, array, 500, 1000) };
            foreach (var job in jobs)
            {
                await job.StartAsync().WaitAsync(Bound);
            }
            foreach (var job in jobs)
            {
                Assert.True(await job.JoinAsync(Bound));
                Assert.Equal(0, job.ExitCode);
            }

            Assert.Equal(spares.Order(), jobs.Select(job => job.Pid!.Value).Order());
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 0.5), array.ToArray());
            // Both ended: two new spares took their place.
            await runtime.SparesWaitingAsync().WaitAsync(Bound);
            var replacements = OsProcesses.WorkersOfSystem(name);
            seen.AddRange(replacements);
            Assert.Equal(2, replacements.Count);
            Assert.Empty(replacements.Intersect(spares));
        }
        finally
        {
            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);
        }
        Assert.True(await OsProcesses.AllGoneWithin(seen, TimeSpan.FromSeconds(5)), "A spare process outlived its runtime.");
        Assert.Empty(OsProcesses.WorkersOfSystem(name));
    }

    [Fact]
    public async Task ASpareKilledWhileItWaits_IsNotHandedToAProcess()
    {
        await WithOneSpareAsync(WorkerLink.Direct, async (runtime, spare, seen) =>
        {
            Assert.True(OsProcesses.Signal(spare, 9));
            Assert.True(await OsProcesses.AllGoneWithin([spare], Bound));

            var (process, lines) = await RunToTheEndAsync(runtime, seen);

            Assert.NotEqual(spare, process.Pid);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal([process.Name, process.Pid!.Value.ToString(), "True"], lines);
        });
    }

    [Fact]
    public async Task ASpare_LinkedAhead_GoesByItsProcessName_AndPoolsStartWorkersOfTheirOwn()
    {
        await WithOneSpareAsync(WorkerLink.Direct, async (runtime, spare, seen) =>
        {
            // A pool's workers go by the pool's names, which a spare linked ahead never heard: the pool launches its own.
            await using (var pool = runtime.CreatePool(new PoolOptions { Processes = 1 }))
            {
                var names = await pool.MapAsync(_ => WorkerProcess.Current.Name, Enumerable.Range(0, 4)).WaitAsync(Bound);
                var poolPids = await pool.GetWorkerPidsAsync().WaitAsync(Bound);
                seen.AddRange(poolPids);
                Assert.DoesNotContain(spare, poolPids);
                Assert.All(names, n => Assert.Contains("-worker-", n));
            }
            Assert.True(OsProcesses.IsAlive(spare));

            var (process, lines) = await RunToTheEndAsync(runtime, seen, "named-by-its-user");

            Assert.Equal(spare, process.Pid);
            Assert.Equal(["named-by-its-user", spare.ToString(), "True"], lines);
        });
    }

    [Fact]
    public async Task Spares_OfARuntimeLinkedOverRemoting_GreetTheActorThatAdoptsThem()
    {
        await WithOneSpareAsync(WorkerLink.Remoting, async (runtime, spare, seen) =>
        {
            var (process, lines) = await RunToTheEndAsync(runtime, seen);

            Assert.Equal(spare, process.Pid);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal([process.Name, spare.ToString(), "True"], lines);
        });
    }

    /// <summary>
    /// Runs <paramref name="test"/> on a runtime with one spare, waiting and found from the OS; disposes
    /// the runtime, then checks that no process it started (<c>seen</c>) outlived it.
    /// </summary>
    private static async Task WithOneSpareAsync(WorkerLink link, Func<ParallelRuntime, int, List<int>, Task> test)
    {
        var name = UniqueSystemName();
        var options = Options(name, spares: 1);
        options.WorkerLink = link;
        var runtime = ParallelRuntime.Create(options);
        var seen = new List<int>();
        try
        {
            await runtime.SparesWaitingAsync().WaitAsync(Bound);
            var spare = Assert.Single(OsProcesses.WorkersOfSystem(name));
            seen.Add(spare);
            await test(runtime, spare, seen);
        }
        finally
        {
            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);
        }
        Assert.True(await OsProcesses.AllGoneWithin(seen, TimeSpan.FromSeconds(5)), "A process outlived its runtime.");
        Assert.Empty(OsProcesses.WorkersOfSystem(name));
    }

    /// <summary>Starts and joins a process that writes what <see cref="WorkerProcess.Current"/> says in it; the lines it wrote.</summary>
    private static async Task<(WorkerProcess Process, string[] Lines)> RunToTheEndAsync(ParallelRuntime runtime, List<int> seen, string? processName = null)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"spare-{Guid.NewGuid():N}.txt");
        var process = runtime.CreateProcess(TestTargets.WriteCurrentProcess, scratch);
        if (processName is not null)
        {
            process.Name = processName;
        }
        await process.StartAsync().WaitAsync(Bound);
        seen.Add(process.Pid!.Value);
        Assert.True(await process.JoinAsync(Bound));
        var lines = File.ReadAllLines(scratch);
        File.Delete(scratch);
        return (process, lines);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(257)]
    public void SpareProcesses_OutOfRange_IsRefusedNamingTheOption(int spares)
    {
        var error = Assert.Throws<ArgumentException>(() => ParallelRuntime.Create(new ParallelRuntimeOptions { SpareProcesses = spares }));

        Assert.Equal("SpareProcesses", error.ParamName);
        Assert.Contains($"was {spares}", error.Message);
    }

    private static string UniqueSystemName() => $"spares-{Guid.NewGuid():N}";

    private static ParallelRuntimeOptions Options(string systemName, int spares) =>
        new() { WorkerStart = WorkerStart.Host, SystemName = systemName, SpareProcesses = spares };
}
