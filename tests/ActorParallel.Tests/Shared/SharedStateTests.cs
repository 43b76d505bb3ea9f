using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Akka.DistributedData;

namespace ActorParallel.Tests.Shared;

/// <summary>The guarantees of shared objects, with real worker processes writing concurrently.</summary>
public sealed class SharedStateTests : RuntimeFixture
{
    [Fact]
    public async Task Append_FiveProcessesTenThousandEach_EveryElementExactlyOnceAfterJoin()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var processes = Enumerable.Range(0, 5).Select(w => Create(SharedTargets.AppendRange, list, w * 10_000, 10_000)).ToList();

        await StartAndJoinAll(processes);
        var items = await list.ToListAsync().WaitAsync(Bound);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(50_000, items.Count);
        Assert.Equal(Enumerable.Range(0, 50_000), items.Order());
        foreach (var writer in Enumerable.Range(0, 5))
        {
            var own = items.Where(i => i / 10_000 == writer).ToList();
            Assert.Equal(own.Order(), own);
        }
    }

    [Fact]
    public async Task Add_DoubleFromTwoProcesses_ExactSumAfterJoin_AndSetGetInTheDriver()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var total = manager.Value(1.25);
        var processes = Enumerable.Range(0, 2).Select(_ => Create(SharedTargets.AddHalves, total, 5_000)).ToList();

        await StartAndJoinAll(processes);
        var afterWorkers = await total.GetAsync().WaitAsync(Bound);
        await total.SetAsync(-3.75).WaitAsync(Bound);
        total.Add(0.25);
        var afterSet = await total.GetAsync().WaitAsync(Bound);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(5_001.25, afterWorkers);
        Assert.Equal(-3.5, afterSet);
    }

    [Fact]
    public async Task Value_OfAnUnsupportedNumericType_FailsNamingTheType()
    {
        await using var manager = await Manager.StartAsync(Runtime);

        var error = Assert.Throws<NotSupportedException>(() => manager.Value(1.5m));

        Assert.Contains("not decimal", error.Message);
    }

    [Fact]
    public async Task AddAsync_TwoProcessesTenThousandEach_ExactlyTwentyThousand()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var counter = manager.Value(0L);
        var processes = Enumerable.Range(0, 2).Select(_ => Create(SharedTargets.AddOnes, counter, 10_000)).ToList();

        await StartAndJoinAll(processes);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(20_000L, await counter.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task ToListAsync_InTheWorkerThatAppended_SeesItsOwnWrite()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<string>();
        var process = Create(SharedTargets.AppendThenReadOwn, list, "mine");

        await process.StartAsync();
        await Joined(process);

        Assert.Null(process.Exception);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task AppendAsync_AcknowledgedThenWriterSigkilled_WriteSurvives()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<string>();
        var marker = ScratchFile("acknowledged");
        var process = Create(SharedTargets.AppendAcknowledgedThenWait, list, "durable", marker);

        await process.StartAsync();
        await WaitForFile(marker);
        process.Kill();
        await Joined(process);

        Assert.Equal(-9, process.ExitCode);
        Assert.Equal(["durable"], await list.ToListAsync().WaitAsync(Bound));
    }

    [Theory]
    [InlineData(SharedConsistency.Majority)]
    [InlineData(SharedConsistency.All)]
    public async Task WriteConsistency_AnAcknowledgedWriteIsAlreadyOnTheHostNodesReplica(SharedConsistency consistency)
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        // A Host node in this process, so that its replica can be read directly.
        await using var node = ParallelRuntime.CreateHostNode([seed], new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host }, workers: 1);
        await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var manager = await Manager.StartAsync(Runtime, new ManagerOptions { WriteConsistency = consistency }).WaitAsync(Bound);
        var list = manager.List<string>();
        var total = manager.Value(0L);

        await list.AppendAsync("replicated").WaitAsync(Bound);
        await total.AddAsync(5).WaitAsync(Bound);
        // Read at once, from the node's own replica: gossip alone would take a second or more.
        var replica = DistributedData.Get(node.System).Replicator;
        var segmentKey = SharedKeys.ListSegment(list.Name, 0);
        var counterKey = SharedKeys.Value(total.Name);
        var segment = await replica.Ask<IGetResponse>(Dsl.Get(segmentKey, ReadLocal.Instance), Bound);
        var counter = await replica.Ask<IGetResponse>(Dsl.Get(counterKey, ReadLocal.Instance), Bound);

        Assert.Single(Assert.IsType<GetSuccess>(segment).Get(segmentKey));
        Assert.Equal(5, (long)Assert.IsType<GetSuccess>(counter).Get(counterKey).Value);
    }

    [Fact]
    public async Task Append_FromPoolFunction_VisibleWhenTheMapReturns()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        await pool.MapAsync(x =>
        {
            list.Append(x);
            return x;
        }, Enumerable.Range(0, 200), chunkSize: 7).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 200), (await list.ToListAsync()).Order());
    }

    [Fact]
    public async Task SharedList_OneWriter_KeepsItsOrderAndReadsAcrossSegments()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<string>();

        await list.ExtendAsync(Enumerable.Range(0, 2_500).Select(i => $"item-{i}"));
        list.Append("last");

        var items = await list.ToListAsync().WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 2_500).Select(i => $"item-{i}").Append("last"), items);
        Assert.Equal(2_501, await list.CountAsync());
    }

    [Fact]
    public async Task DeleteAsync_List_ReadsEmptyAfterwards()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>("deleted");
        await list.ExtendAsync([1, 2, 3]);

        await list.DeleteAsync();

        Assert.Empty(await list.ToListAsync());
    }

    [Fact]
    public async Task List_ElementTypeBoundToThisProcess_ThrowsNotShippableNamingTheType()
    {
        await using var manager = await Manager.StartAsync(Runtime);

        var error = Assert.Throws<NotShippableException>(() => manager.List<MemoryStream>());

        Assert.Equal(typeof(MemoryStream), error.ValueType);
        Assert.Contains("SharedList", error.Message);
    }

    [Fact]
    public async Task Append_UnshippableValueInObjectList_ThrowsInTheCallerAndListStaysUsable()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<object>();

        var error = Assert.Throws<NotShippableException>(() => list.Append(new MemoryStream()));
        list.Append("fine");

        Assert.Contains("MemoryStream", error.Message);
        Assert.Equal(["fine"], await list.ToListAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task SharedLock_ReadModifyWriteFromThreeProcesses_NoUpdateLost()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var gate = manager.Lock();
        var value = manager.Value(0L);
        var processes = Enumerable.Range(0, 3).Select(_ => Create(SharedTargets.IncrementUnderLock, gate, value, 150)).ToList();

        await StartAndJoinAll(processes);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(450L, await value.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task SharedLock_HolderSigkilled_LockIsReleased()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var gate = manager.Lock();
        var marker = ScratchFile("holding");
        var holder = Create(SharedTargets.HoldLockThenWait, gate, marker);
        await holder.StartAsync();
        await WaitForFile(marker);

        holder.Kill();
        await Joined(holder);
        await using var hold = await gate.AcquireAsync().WaitAsync(Bound);

        Assert.Equal(-9, holder.ExitCode);
    }

    [Fact]
    public async Task SharedValue_SetThenAdd_LastWriteWinsThenAdds()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var value = manager.Value(5);

        value.Add(3);
        await value.SetAsync(42);
        value.Add(1);

        Assert.Equal(43, await value.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task SharedDict_ThreeProcessesWriting_EveryEntryWithItsValue()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var dict = manager.Dict<string, int>();
        var processes = Enumerable.Range(0, 3).Select(w => Create(SharedTargets.FillDict, dict, w, 100)).ToList();

        await StartAndJoinAll(processes);
        var entries = await dict.ToDictionaryAsync().WaitAsync(Bound);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(300, entries.Count);
        Assert.Equal(300, await dict.CountAsync());
        Assert.Equal(2042, entries["w2-42"]);
    }

    [Fact]
    public async Task SharedDict_OverwriteRemoveAndMissing_BehaveAsADictionary()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var dict = manager.Dict<int, string>();

        await dict.SetAsync(1, "one");
        await dict.SetAsync(1, "uno");
        await dict.SetAsync(2, "two");
        var removed = await dict.RemoveAsync(2);
        var removedAgain = await dict.RemoveAsync(2);

        Assert.Equal((true, "uno"), await dict.TryGetAsync(1));
        Assert.False((await dict.TryGetAsync(2)).Found);
        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal(new Dictionary<int, string> { [1] = "uno" }, await dict.ToDictionaryAsync());
    }

    [Fact]
    public async Task SharedArray_EachProcessSetsItsCell_AllCellsSet()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var array = manager.Array<double>(5);
        var processes = Enumerable.Range(0, 4).Select(i => Create(SharedTargets.SetCell, array, i, i * 1.5)).ToList();

        await StartAndJoinAll(processes);

        Assert.Equal(new[] { 0.0, 1.5, 3.0, 4.5, 0.0 }, await array.ToArrayAsync().WaitAsync(Bound));
        Assert.Equal(4.5, await array.GetAsync(3));
    }

    [Fact]
    public async Task SharedArray_IndexOutOfRange_ThrowsInTheCallerAndInAWorker()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var array = manager.Array<double>(3);
        var process = Create(SharedTargets.SetCell, array, 3, 1.0);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => array.SetAsync(-1, 1.0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => array.GetAsync(3));
        await process.StartAsync();
        await Joined(process);

        Assert.Equal(1, process.ExitCode);
        Assert.IsType<ArgumentOutOfRangeException>(process.Exception);
        Assert.Equal(new double[3], await array.ToArrayAsync());
    }
}
