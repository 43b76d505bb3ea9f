using ActorParallel.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// <see cref="PoolOptions.MaxWorkerMemoryBytes"/>: a worker that leaks is recycled above its budget,
/// the chunks it still held run elsewhere without blame, the results are exact, and the pool is
/// back to full strength, counted from the OS.
/// </summary>
public sealed class PoolMemoryBudgetTests() : RuntimeFixture($"budget-{Guid.NewGuid():N}")
{
    private const long Budget = 250_000_000;
    private const int LeakPerItemMegabytes = 60;

    private IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    [Fact]
    public async Task MapAsync_FunctionLeaks_WorkersRecycledAboveTheBudgetResultsExactPoolBackToFull()
    {
        // MaxChunkLosses 1: a chunk held by a recycled worker would fail the map if it were blamed.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxWorkerMemoryBytes = Budget, MaxChunkLosses = 1 });
        var first = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        var results = await pool.MapAsync(x => DeathTargets.LeakThenSquare(x, LeakPerItemMegabytes), Enumerable.Range(0, 24), chunkSize: 1).WaitAsync(Bound);
        var recycled = (await Logs.WaitFor(record => record.Level == LogLevel.Information && record.Message.Contains("recycled: memory"), Bound)).Message;

        Assert.Equal(Enumerable.Range(0, 24).Select(x => x * x), results.Select(r => r.Square));
        // 24 items × 60 MB leaked: at most 3 fit in a worker under 250 MB, so more than two processes ran them.
        Assert.True(results.Select(r => r.Pid).Distinct().Count() > 2, $"ran on {string.Join(", ", results.Select(r => r.Pid).Distinct())}");
        Assert.Matches(@"recycled: memory \d+ MB above the 250 MB budget", recycled);
        // A worker may still be recycled for the map's last chunks (it measures itself after sending their
        // results): the pool settles at two workers, and then the OS shows exactly those.
        var now = await Settled(pool);
        Assert.Equal(2, now.Count);
        // Each first worker leaks past the budget unless the other took nearly all the items (a busy machine): at least one was recycled.
        var replaced = first.Except(now).ToList();
        Assert.NotEmpty(replaced);
        Assert.True(await OsProcesses.AllGoneWithin(replaced, Bound), "a recycled worker is still running");
        Assert.Equal(now.Order(), LiveWorkers.Order());
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_WorkersWellUnderTheBudget_NoneRecycled()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxWorkerMemoryBytes = 4_000_000_000 });
        var first = await pool.WaitForWorkersAsync().WaitAsync(Bound);

        var pids = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 200), chunkSize: 1).WaitAsync(Bound);

        Assert.Subset(first.ToHashSet(), pids.ToHashSet());
        Assert.Equal(first, await pool.GetWorkerPidsAsync().WaitAsync(Bound));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void CreatePool_BudgetNotPositive_ArgumentExceptionNamingIt(long budget)
    {
        var error = Assert.Throws<ArgumentException>(() => Runtime.CreatePool(new PoolOptions { MaxWorkerMemoryBytes = budget }));

        Assert.Equal(nameof(PoolOptions.MaxWorkerMemoryBytes), error.ParamName);
        Assert.Contains($"(was {budget})", error.Message);
    }

    /// <summary>The pool's workers once the OS shows exactly them (recycled ones gone, replacements ready), within the bound.</summary>
    private async Task<IReadOnlyList<int>> Settled(ActorParallel.Pool pool)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var ready = await pool.WaitForWorkersAsync().WaitAsync(Bound);
            if (ready.Order().SequenceEqual(LiveWorkers.Order()) || DateTime.UtcNow > deadline)
            {
                return ready;
            }
            await OsProcesses.AllGoneWithin(LiveWorkers.Except(ready).ToList(), TimeSpan.FromSeconds(1));
        }
    }
}
