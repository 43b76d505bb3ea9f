using ActorParallel.Tests.Support;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// Worker processes killed and stopped from outside while a map runs, repeatedly. CPython's pool
/// hangs forever when one of its workers is killed (gh-66587); ours must finish every map exactly.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class WorkerFaultTests(ITestOutputHelper output) : RuntimeFixture
{
    private static readonly int[] Input = [.. Enumerable.Range(0, 200)];
    private static readonly int[] Expected = [.. Input.Select(x => x * x)];

    /// <summary>How long a worker stays stopped: well past the failure detector's verdict (~6-10 s here).</summary>
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigkill_RandomWorkerAtRandomMoments_TwentyMapsCompleteExactlyAndThePoolStaysFull()
    {
        var tally = new Tally(output, "SIGKILL a random worker during a map");
        var random = new Random(20261125);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        for (var round = 0; round < 20; round++)
        {
            // A worker killed after the last map ended may still be listed until the OS news arrives: pick a live one.
            var pids = (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Where(OsProcesses.IsAlive).ToList();
            var victim = pids[random.Next(pids.Count)];
            // Kill at a random point of the map, measured in results back (0: before any), not in wall time.
            var after = random.Next(0, Input.Length - 20);
            var chunkSize = random.Next(1, 9);
            tally.Increment("rounds");
            var killed = 0;
            void Kill()
            {
                if (Interlocked.Exchange(ref killed, 1) == 0)
                {
                    OsProcesses.KillQuietly(victim);
                    tally.Increment("kills mid-map");
                }
            }
            var progress = new InlineProgress(p =>
            {
                if (p.Done >= after)
                {
                    Kill();
                }
            });

            var map = pool.MapAsync(PoolTargets.SlowSquare, Input, chunkSize, progress);
            if (after == 0)
            {
                Kill();
            }
            await Settle(map, tally, $"round {round}: kill {victim} after {after} results, chunk size {chunkSize}");
        }
        tally["workers at the end"] = (await pool.WaitForWorkersAsync().WaitAsync(Bound)).Count;
        tally.Report();

        Assert.Equal(20, tally["kills mid-map"]);
        Assert.Equal(20, tally["completed"]);
        Assert.Equal(0, tally["lost"]);
    }

    [Fact]
    public async Task Sigstop_WorkerPastTheFailureDetector_ItsChunksRunElsewhereNoDuplicatesAndItIsReplaced()
    {
        var tally = new Tally(output, "SIGSTOP a worker past the failure detector, then SIGCONT");
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var victim = (await pool.WaitForWorkersAsync().WaitAsync(Bound))[0];
        tally.Increment("rounds");

        var underway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new InlineProgress(p =>
        {
            if (p.Done >= 20)
            {
                underway.TrySetResult();
            }
        });
        var map = pool.MapAsync(PoolTargets.SlowSquare, [.. Enumerable.Range(0, 600)], chunkSize: 2, progress);
        await underway.Task.WaitAsync(Bound);
        OsProcesses.Signal(victim, OsProcesses.SigStop);
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The pool's link declares a silent worker dead after a 4 s pause in heartbeats (the
            // direct link's own, or the remote watch's in hocon/actorparallel.conf); it is then
            // killed and its chunks run on the other worker, so the map finishes while the victim
            // is still stopped.
            await Task.WhenAny(map, Task.Delay(StopLimit));
            tally[map.IsCompleted ? "finished while the worker was stopped" : "waited for SIGCONT"] = 1;
            tally.Note($"map finished {stopped.Elapsed.TotalSeconds:0.0} s after SIGSTOP");
        }
        finally
        {
            OsProcesses.Signal(victim, OsProcesses.SigCont);
        }
        var results = await map.WaitAsync(Bound);
        var expected = Enumerable.Range(0, 600).Select(x => x * x).ToArray();
        tally[results.SequenceEqual(expected) ? "completed" : "wrong"] = 1;
        tally["duplicates"] = results.Length - results.Distinct().Count();
        var after = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        tally[after.Contains(victim) ? "stopped worker rejoined" : "stopped worker replaced"] = 1;
        tally.Report();

        Assert.Equal(expected, results);
        Assert.True(tally["finished while the worker was stopped"] == 1, $"the map waited for the stopped worker (more than {StopLimit.TotalSeconds} s)");
        Assert.Equal(2, after.Count);
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task WorkerHeartbeatTimeout_Raised_AWorkerFrozenLongerThanTheDefaultIsKept_AndServesAfter()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions
        {
            WorkerStart = WorkerStart.Host, WorkerHeartbeatTimeout = TimeSpan.FromSeconds(40),
        });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 1 });
        var victim = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));
        var before = await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound);
        Assert.Equal([0, 1, 4], before);

        // A freeze (as a long garbage collection of a large heap would be) past the default 4 s and its 1 s checks.
        OsProcesses.Signal(victim, OsProcesses.SigStop);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(7));
        }
        finally
        {
            OsProcesses.Signal(victim, OsProcesses.SigCont);
        }
        var after = await pool.MapAsync(PoolTargets.Square, [3, 4]).WaitAsync(Bound);

        Assert.Equal([9, 16], after);
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal([victim], workers);
        Assert.True(OsProcesses.IsAlive(victim), "the frozen worker was given up");
    }

    [Fact]
    public async Task WorkerHeartbeatTimeout_RemotingWorkers_IsTheRemoteWatchersPause()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerLink = WorkerLink.Remoting, WorkerHeartbeatTimeout = TimeSpan.FromSeconds(40) });
        await using var defaults = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerLink = WorkerLink.Remoting });
        await using var never = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerLink = WorkerLink.Remoting, WorkerHeartbeatTimeout = Timeout.InfiniteTimeSpan });

        const string pause = "akka.remote.watch-failure-detector.acceptable-heartbeat-pause";
        Assert.Equal(TimeSpan.FromSeconds(40), runtime.System.Settings.Config.GetTimeSpan(pause));
        Assert.Equal(TimeSpan.FromSeconds(4), defaults.System.Settings.Config.GetTimeSpan(pause));
        Assert.Equal(TimeSpan.FromMilliseconds(int.MaxValue), never.System.Settings.Config.GetTimeSpan(pause));
    }

    [Theory]
    [InlineData(1.9)]
    [InlineData(0)]
    [InlineData(-5)]
    public void WorkerHeartbeatTimeout_UnderTwoSeconds_IsRefusedNamingIt(double seconds)
    {
        var error = Assert.Throws<ArgumentException>(() => ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerHeartbeatTimeout = TimeSpan.FromSeconds(seconds) }));

        Assert.Equal(nameof(ParallelRuntimeOptions.WorkerHeartbeatTimeout), error.ParamName);
        Assert.Contains($"must be at least 2 seconds (two heartbeats), or Timeout.InfiniteTimeSpan for never (was {seconds} s)", error.Message);
    }

    [Fact]
    public async Task Sigstop_WorkerBeforeALargeMap_ALinkBlockedOnItIsGivenUpAndTheMapCompletes()
    {
        // Batches of ~250 KB each: more than a socket buffer holds, so sending the first one to a
        // stopped worker blocks until the link gives up on it.
        var input = Enumerable.Range(0, 2_000_000).ToArray();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var victim = (await pool.WaitForWorkersAsync().WaitAsync(Bound))[0];
        OsProcesses.Signal(victim, OsProcesses.SigStop);
        int[] results;
        try
        {
            results = await pool.MapAsync(PoolTargets.Square, input, chunkSize: 50_000).WaitAsync(StopLimit);
        }
        finally
        {
            OsProcesses.Signal(victim, OsProcesses.SigCont);
        }

        Assert.Equal(input.Select(PoolTargets.Square), results);
        var after = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, after.Count);
        Assert.DoesNotContain(victim, after);
    }

    private static async Task Settle(Task<int[]> map, Tally tally, string round)
    {
        try
        {
            var results = await map.WaitAsync(Bound);
            tally.Increment(results.SequenceEqual(Expected) ? "completed" : "wrong");
        }
        catch (Exception exception) when (exception is not TimeoutException)
        {
            tally.Increment("lost");
            tally.Note($"{round}: {exception.GetType().Name}: {exception.Message}");
        }
    }
}
