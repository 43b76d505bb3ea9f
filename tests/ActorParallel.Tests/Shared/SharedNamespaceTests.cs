using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>Python's <c>manager.Namespace()</c>: named values of any type, from the driver, process targets and pool functions.</summary>
public sealed class SharedNamespaceTests : RuntimeFixture
{
    public sealed record Point(int X, int Y);

    [Fact]
    public async Task SetGetRemove_InTheDriver_BehaveAsPythonsAttributes()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var ns = manager.Namespace();

        await ns.SetAsync("count", 3).WaitAsync(Bound);
        await ns.SetAsync("label", "run ✓").WaitAsync(Bound);
        await ns.SetAsync("origin", new Point(1, 2)).WaitAsync(Bound);
        await ns.SetAsync<string?>("nothing", null).WaitAsync(Bound);
        await ns.SetAsync("count", 4).WaitAsync(Bound);

        Assert.Equal(4, await ns.GetAsync<int>("count").WaitAsync(Bound));
        Assert.Equal("run ✓", await ns.GetAsync<string>("label").WaitAsync(Bound));
        Assert.Equal(new Point(1, 2), await ns.GetAsync<Point>("origin").WaitAsync(Bound));
        Assert.Null(await ns.GetAsync<string?>("nothing").WaitAsync(Bound));
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => ns.GetAsync<int>("absent"));
        Assert.Contains("'absent'", missing.Message);
        var wrongType = await Assert.ThrowsAsync<InvalidCastException>(() => ns.GetAsync<int>("label"));
        Assert.Contains("holds a string, not an int", wrongType.Message);
        Assert.Equal((false, 0), await ns.TryGetAsync<int>("absent").WaitAsync(Bound));
        Assert.True(await ns.RemoveAsync("label").WaitAsync(Bound));
        Assert.False(await ns.RemoveAsync("label").WaitAsync(Bound));
        Assert.Equal(["count", "origin", "nothing"], (await ns.ToDictionaryAsync().WaitAsync(Bound)).Keys);
        await Assert.ThrowsAsync<ArgumentException>(() => ns.SetAsync("", 1));
    }

    [Fact]
    public async Task Namespace_InAProcessTarget_ReadsTheDriversValuesAndSetsItsOwn()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var ns = manager.Namespace();
        await ns.SetAsync("factor", 21).WaitAsync(Bound);
        await ns.SetAsync("scratch", 0.5).WaitAsync(Bound);
        var process = Create(SharedNamespaceTargets.DoubleTheFactor, ns);

        await process.StartAsync().WaitAsync(Bound);
        await Joined(process);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {process.Exception}");
        Assert.Equal(42, await ns.GetAsync<int>("result").WaitAsync(Bound));
        Assert.Equal($"worker {process.Pid}", await ns.GetAsync<string>("who").WaitAsync(Bound));
        Assert.False((await ns.TryGetAsync<double>("scratch").WaitAsync(Bound)).Found);
    }

    [Fact]
    public async Task Namespace_InPoolFunctions_EveryWorkerReadsAndWrites()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var ns = manager.Namespace();
        await ns.SetAsync("factor", 3).WaitAsync(Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var results = await pool.MapAsync(Scale(ns), Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 10).Select(x => x * 3), results);
        var attributes = await ns.ToDictionaryAsync().WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 10).Select(x => $"item{x}"), attributes.Keys.Where(k => k.StartsWith("item", StringComparison.Ordinal)).Order());
    }

    /// <summary>A map function over the namespace alone (a lambda in the test would capture the pool too).</summary>
    private static Func<int, int> Scale(SharedNamespace ns) => x =>
    {
        ns.SetAsync($"item{x}", x).GetAwaiter().GetResult();
        return x * ns.GetAsync<int>("factor").GetAwaiter().GetResult();
    };
}
