using ActorParallel.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// A pool worker that dies says why: the map's <see cref="WorkerLostException"/> carries the cause of
/// the last death (stack overflow, <see cref="Environment.FailFast(string)"/> and its message, a
/// signal by name) and names the chunk's items, and the pool logs each death with the items the
/// worker held. Afterwards the pool is back to full strength, counted from the OS.
/// </summary>
public sealed class WorkerDeathTests() : RuntimeFixture($"deaths-{Guid.NewGuid():N}")
{
    private IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    [Fact]
    public async Task MapAsync_ItemOverflowsItsStack_WorkerLostExceptionSaysStackOverflowAndPoolRecovers()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 2 });

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => pool.MapAsync(DeathTargets.OverflowOnTwo, Enumerable.Range(0, 6), chunkSize: 1).WaitAsync(Bound));

        Assert.Equal((2, 1), (error.FirstItem, error.ItemCount));
        var cause = Assert.IsType<WorkerExitCause>(error.Cause);
        Assert.Equal((WorkerExitKind.StackOverflow, -6, "SIGABRT"), (cause.Kind, cause.ExitCode, cause.SignalName));
        Assert.Contains(nameof(DeathTargets.Recurse), cause.Detail);
        Assert.Contains("items 2..2", error.Message);
        Assert.Contains("2 times (last: stack overflow (at ", error.Message);
        Assert.NotEmpty(cause.StderrTail);
        await AssertBackToFullStrength(pool, 2);
    }

    [Fact]
    public async Task MapAsync_ItemCallsFailFast_WorkerLostExceptionCarriesItsMessage()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxChunkLosses = 1 });

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => pool.MapAsync(DeathTargets.FailFastOnTwo, Enumerable.Range(0, 6), chunkSize: 1).WaitAsync(Bound));

        Assert.Equal(2, error.FirstItem);
        Assert.Equal(WorkerExitKind.FailFast, error.Cause?.Kind);
        Assert.Equal("boom", error.Cause?.Detail);
        Assert.Contains("last: Environment.FailFast: boom", error.Message);
        await AssertBackToFullStrength(pool, 2);
    }

    [Fact]
    public async Task MapAsync_WorkerSigkilledFromOutside_ExceptionAndLogNameSigkillAndTheItems()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, MaxChunkLosses = 1 });
        var victim = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));
        var marker = ScratchFile("blocked");
        var map = pool.MapAsync(_ => PoolTargets.MarkThenBlock(marker), new[] { 0 }, 1);
        await WaitForFile(marker);

        Assert.Equal(victim, Assert.Single(await pool.GetWorkerPidsAsync().WaitAsync(Bound)));
        OsProcesses.KillQuietly(victim);
        var error = await Assert.ThrowsAsync<WorkerLostException>(() => map.WaitAsync(Bound));
        // Information, not a warning: the caller hears of it as the WorkerLostException.
        var logged = (await Logs.WaitFor(record => record.Message.Contains($"worker {victim} died"), Bound)).Message;

        Assert.Equal((WorkerExitKind.Signal, 9, "SIGKILL"), (error.Cause?.Kind, error.Cause?.Signal, error.Cause?.SignalName));
        Assert.Contains("last: killed by SIGKILL (signal 9), which this driver did not send", error.Message);
        Assert.Contains("killed by SIGKILL", logged);
        Assert.Contains("items 0..0 of map", logged);
        Assert.Equal((LogLevel.Information, "ActorParallel.Pool"), Logs.Records.Where(r => r.Message == logged).Select(r => (r.Level, r.Category)).Single());
        await AssertBackToFullStrength(pool, 1);
    }

    /// <summary>The pool serves with <paramref name="processes"/> workers again, and the OS shows exactly those.</summary>
    private async Task AssertBackToFullStrength(ActorParallel.Pool pool, int processes)
    {
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2], 1).WaitAsync(Bound));
        var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(processes, ready.Count);
        Assert.True(await OsProcesses.AllGoneWithin(LiveWorkers.Except(ready), Bound), "a dead worker's process is still running");
        Assert.Equal(ready.Order(), LiveWorkers.Order());
    }
}
