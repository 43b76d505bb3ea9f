using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// Many processes and many maps back to back: the driver's threads, open handles and managed
/// memory must not grow beyond a stated bound. The CI run starts 100 processes; set
/// ACTORPARALLEL_FAULTS_FULL=1 for the full 1,000.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class LoadFaultTests(ITestOutputHelper output) : RuntimeFixture
{
    private const int Wave = 50, MaxThreadGrowth = 16, MaxHandleGrowth = 32;
    private const long MaxMemoryGrowth = 64L << 20;

    private static int TotalProcesses => Environment.GetEnvironmentVariable("ACTORPARALLEL_FAULTS_FULL") == "1" ? 1_000 : 100;

    [Fact]
    public async Task Processes_StartedAndJoinedInWavesOfFifty_DriverDoesNotGrow()
    {
        var tally = new Tally(output, $"{TotalProcesses:N0} processes in waves of {Wave}");
        // One wave first, so that what the runtime sets up once is not counted as growth.
        await RunWave(Wave, tally);
        var before = Footprint.Measure();
        for (var started = Wave; started < TotalProcesses; started += Wave)
        {
            await RunWave(Math.Min(Wave, TotalProcesses - started), tally);
        }
        var after = Footprint.Measure();
        var running = await Runtime.Supervisor.Ask<RunningProcesses>(ListProcesses.Instance, Bound);
        tally["still running"] = running.ProcessIds.Length;
        Report(tally, before, after);

        Assert.Equal(TotalProcesses, tally["exited 0"]);
        Assert.Equal(0, tally["still running"]);
        AssertBounded(before, after);
    }

    [Fact]
    public async Task Maps_OneHundredOfTenThousandItemsBackToBack_DriverDoesNotGrow()
    {
        var tally = new Tally(output, "100 maps of 10,000 items back to back");
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var input = Enumerable.Range(0, 10_000).ToArray();
        var expected = input.Select(x => x * x).ToArray();
        for (var warm = 0; warm < 10; warm++)
        {
            await pool.MapAsync(PoolTargets.Square, input).WaitAsync(Bound);
        }
        var before = Footprint.Measure();
        for (var map = 0; map < 100; map++)
        {
            var results = await pool.MapAsync(PoolTargets.Square, input).WaitAsync(Bound);
            tally.Increment(results.SequenceEqual(expected) ? "exact" : "wrong");
        }
        var after = Footprint.Measure();
        Report(tally, before, after);

        Assert.Equal(100, tally["exact"]);
        AssertBounded(before, after);
    }

    private async Task RunWave(int count, Tally tally)
    {
        var wave = Enumerable.Range(0, count).Select(_ => Create(TestTargets.Nothing)).ToList();
        await StartAndJoinAll(wave);
        foreach (var process in wave)
        {
            tally.Increment(process.ExitCode == 0 ? "exited 0" : "failed");
        }
        foreach (var failure in wave.Where(p => p.ExitCode != 0).GroupBy(p => $"exit {p.ExitCode}: {p.Exception?.Message}"))
        {
            tally.Note($"{failure.Count()} x {failure.Key}");
        }
    }

    private static void Report(Tally tally, Footprint before, Footprint after)
    {
        tally["thread growth"] = after.Threads - before.Threads;
        tally["handle growth"] = after.Handles - before.Handles;
        tally["managed memory growth (KB)"] = (after.ManagedBytes - before.ManagedBytes) / 1024;
        tally.Report();
    }

    private static void AssertBounded(Footprint before, Footprint after)
    {
        Assert.True(after.Threads - before.Threads <= MaxThreadGrowth, $"threads grew from {before.Threads} to {after.Threads}");
        Assert.True(after.Handles - before.Handles <= MaxHandleGrowth, $"open handles grew from {before.Handles} to {after.Handles}");
        Assert.True(after.ManagedBytes - before.ManagedBytes <= MaxMemoryGrowth, $"managed memory grew from {before.ManagedBytes:N0} to {after.ManagedBytes:N0} bytes");
    }

    /// <summary>
    /// What the driver (this test process) holds: threads, open file descriptors, live managed bytes.
    /// Thread-pool workers are not counted: the runtime adds and retires them with the load of the
    /// test collections running beside this one (19 more in one full run, 0 when run alone); a
    /// thread ActorParallel starts and leaks (a link's reader, a process's waiter) is counted.
    /// </summary>
    private sealed record Footprint(int Threads, int Handles, long ManagedBytes)
    {
        public static Footprint Measure()
        {
            var managed = GC.GetTotalMemory(forceFullCollection: true);
            var threads = Directory.GetDirectories("/proc/self/task").Count(task => !IsPoolWorker(task));
            return new Footprint(threads, Directory.GetFiles("/proc/self/fd").Length, managed);
        }

        private static bool IsPoolWorker(string task)
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET TP Worker", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                // The thread ended while it was being looked at.
                return true;
            }
        }
    }
}
