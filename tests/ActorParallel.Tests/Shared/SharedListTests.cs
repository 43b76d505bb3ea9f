using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Akka.DistributedData;

namespace ActorParallel.Tests.Shared;

/// <summary>Python's list methods on a shared list (item assignment, pop, remove, clear, iteration), from the driver and from workers.</summary>
public sealed class SharedListTests : RuntimeFixture
{
    [Fact]
    public async Task SetPopRemoveClear_InTheDriver_BehaveAsPythonsListMethods()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        await list.ExtendAsync([1, 2, 3, 4, 5]).WaitAsync(Bound);

        await list.SetAsync(0, 10).WaitAsync(Bound);
        await list.SetAsync(-1, 50).WaitAsync(Bound);
        Assert.Equal(4, await list.GetAsync(-2).WaitAsync(Bound));
        Assert.Equal(50, await list.PopAsync().WaitAsync(Bound));
        Assert.Equal(10, await list.PopAsync(0).WaitAsync(Bound));
        await list.RemoveAsync(3).WaitAsync(Bound);
        Assert.Equal([2, 4], await list.ToListAsync().WaitAsync(Bound));

        var setOutside = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => list.SetAsync(2, 0));
        var getOutside = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => list.GetAsync(-3));
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => list.RemoveAsync(99));
        Assert.Contains(list.Name, setOutside.Message);
        Assert.Contains("2 elements", getOutside.Message);
        Assert.Contains("not in", missing.Message);
        Assert.Equal([2, 4], await list.ToListAsync().WaitAsync(Bound));

        list.Append(6);
        await list.ClearAsync().WaitAsync(Bound);
        Assert.Equal(0, await list.CountAsync().WaitAsync(Bound));
        var empty = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => list.PopAsync());
        Assert.Contains("empty", empty.Message);
        list.Append(7);
        Assert.Equal([7], await list.ToListAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task PopAsync_AcrossSegments_ShiftsEveryLaterElementInTheReplicatorToo()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        await list.ExtendAsync(Enumerable.Range(0, 2_500)).WaitAsync(Bound);

        Assert.Equal(0, await list.PopAsync(0).WaitAsync(Bound));
        await list.RemoveAsync(1_500).WaitAsync(Bound);
        await list.SetAsync(1_000, -1).WaitAsync(Bound);

        var expected = Enumerable.Range(1, 2_499).Where(i => i != 1_500).ToList();
        expected[1_000] = -1;
        Assert.Equal(expected, await list.ToListAsync().WaitAsync(Bound));
        // What the replicator holds (and replicates to Host nodes) is the same list, position for position.
        var replicator = DistributedData.Get(Runtime.System).Replicator;
        var stored = new List<int>();
        for (var segment = 0; segment < 3; segment++)
        {
            var key = SharedKeys.ListSegment(list.Name, segment);
            var entries = Assert.IsType<GetSuccess>(await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), Bound)).Get(key);
            stored.AddRange(entries.Entries.OrderBy(e => e.Key).Select(e => (int)ActorParallel.Serialization.ValueCodec.Decode(e.Value)!));
        }
        Assert.Equal(expected, stored);
    }

    [Fact]
    public async Task AwaitForeach_AppendedToWhileIterating_SeesTheNewElement()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<string>();
        await list.ExtendAsync(["a", "b"]).WaitAsync(Bound);

        var seen = new List<string>();
        await foreach (var item in list.WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            if (seen.Count == 0)
            {
                list.Append("c");
            }
            seen.Add(item);
        }

        Assert.Equal(["a", "b", "c"], seen);
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task EveryListMethod_InAProcessTarget_AppliesInProgramOrder(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var manager = await Manager.StartAsync(runtime);
        var list = manager.List<int>();
        var process = runtime.CreateProcess(SharedListTargets.EditLikeAPythonList, list, 9);
        try
        {
            await process.StartAsync().WaitAsync(Bound);
            Assert.True(await process.JoinAsync(Bound), "the worker did not finish");

            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {process.Exception}");
            Assert.Equal([9], await list.ToListAsync().WaitAsync(Bound));
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
    public async Task PopAsync_FromPoolFunctions_EachElementPoppedExactlyOnce_AndSetsFromEveryWorkerLand()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var popped = manager.List<int>();
        var cells = manager.List<int>();
        await popped.ExtendAsync(Enumerable.Range(0, 60)).WaitAsync(Bound);
        await cells.ExtendAsync(new int[60]).WaitAsync(Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var results = await pool.MapAsync(PopAndSet(popped, cells), Enumerable.Range(0, 60), chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 60), results.Order());
        Assert.Equal(0, await popped.CountAsync().WaitAsync(Bound));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i * 10), await cells.ToListAsync().WaitAsync(Bound));
    }

    /// <summary>A map function over the two lists alone (a lambda in the test would capture the pool too).</summary>
    private static Func<int, int> PopAndSet(SharedList<int> popped, SharedList<int> cells) => x =>
    {
        cells.SetAsync(x, x * 10).GetAwaiter().GetResult();
        return popped.PopAsync().GetAwaiter().GetResult();
    };
}
