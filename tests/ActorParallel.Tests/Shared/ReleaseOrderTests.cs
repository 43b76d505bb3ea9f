using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// Release semantics, as Python's synchronous proxies give them: once the driver has seen a worker's
/// operation (a <c>TaskDone</c>, a put, an event set, a barrier wait, a lock release, a pipe message, a
/// write to another object), it sees every write the worker made before it, though appends and
/// additions travel batched. Before, the batched writes could arrive after (the trial's consumer:
/// 1 of 500 appends in the list when <c>JoinAsync</c> returned).
/// </summary>
public sealed class ReleaseOrderTests : RuntimeFixture
{
    private const int Count = 500;

    [Fact]
    public async Task JoinAsync_AfterAConsumerAppendsThenCallsTaskDone_SeesEveryAppend()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>();
        var seen = manager.List<int>();
        for (var i = 0; i < Count; i++)
        {
            queue.Put(i);
        }
        var consumer = Create(ReleaseTargets.RecordThenTaskDone, queue, seen);
        consumer.Daemon = true;
        await consumer.StartAsync();

        await queue.JoinAsync().WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, Count), await seen.ToListAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task JoinAsync_AfterAConsumerAddsThenCallsTaskDone_SeesEveryAddition()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>();
        var processed = manager.Value<long>();
        for (var i = 0; i < Count; i++)
        {
            queue.Put(i);
        }
        var consumer = Create(ReleaseTargets.CountThenTaskDone, queue, processed);
        consumer.Daemon = true;
        await consumer.StartAsync();

        await queue.JoinAsync().WaitAsync(Bound);

        Assert.Equal(Count, await processed.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task AnItemGot_ComesAfterTheAppendMadeBeforeItsPut()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var queue = manager.Queue<int>();
        var producer = Create(ReleaseTargets.AppendThenPut, list, queue, Count);
        await producer.StartAsync();

        var behind = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            var item = await queue.GetAsync(Bound).WaitAsync(Bound);
            if (i % 50 == 0 || i == Count - 1)
            {
                var appended = await list.CountAsync().WaitAsync(Bound);
                if (appended <= item)
                {
                    behind.Add($"item {item} got with {appended} appended");
                }
            }
        }
        await Joined(producer);

        Assert.Empty(behind);
    }

    [Fact]
    public async Task EventSet_ComesAfterTheAppendsBeforeIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var done = manager.Event();
        var worker = Create(ReleaseTargets.AppendThenSet, list, done, Count);
        await worker.StartAsync();

        Assert.True(await done.WaitAsync(Bound).WaitAsync(Bound));

        Assert.Equal(Count, await list.CountAsync().WaitAsync(Bound));
        await Joined(worker);
    }

    [Fact]
    public async Task BarrierWait_ComesAfterTheAdditionsBeforeIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var total = manager.Value<long>();
        var barrier = manager.Barrier(2);
        var worker = Create(ReleaseTargets.AddThenBarrier, total, barrier, Count);
        await worker.StartAsync();

        await barrier.WaitAsync(Bound).WaitAsync(Bound);

        Assert.Equal(Count, await total.GetAsync().WaitAsync(Bound));
        await Joined(worker);
    }

    [Fact]
    public async Task LockRelease_ComesAfterTheAppendsMadeWhileHeld()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var gate = manager.Lock();
        var holding = manager.Queue<int>();
        var list = manager.List<int>();
        var worker = Create(ReleaseTargets.AppendUnderLock, gate, holding, list, Count);
        await worker.StartAsync();
        await holding.GetAsync(Bound).WaitAsync(Bound);

        await using (await gate.AcquireAsync().WaitAsync(Bound))
        {
            Assert.Equal(Count, await list.CountAsync().WaitAsync(Bound));
        }
        await Joined(worker);
    }

    [Fact]
    public async Task SharedMemoryLockRelease_ComesAfterTheAppendsMadeWhileHeld()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        using var gate = new SharedMemoryLock();
        var list = manager.List<int>();
        var marker = ScratchFile("holding");
        var worker = Create(ReleaseTargets.AppendUnderMemoryLock, gate, list, marker, Count);
        await worker.StartAsync();
        await WaitForFile(marker);

        // Taken and released on one thread, as the lock wants.
        var appendedWhenTaken = await Task.Run(() =>
        {
            Assert.True(gate.TryAcquire(Bound));
            try
            {
                return list.CountAsync().WaitAsync(Bound).GetAwaiter().GetResult();
            }
            finally
            {
                gate.Release();
            }
        }).WaitAsync(Bound);

        Assert.Equal(Count, appendedWhenTaken);
        await Joined(worker);
    }

    [Fact]
    public async Task AnAppendToAnotherList_ComesAfterTheAppendsBeforeIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var marks = manager.List<int>();
        var worker = Create(ReleaseTargets.AppendThenMark, list, marks, Count);
        await worker.StartAsync();

        // Each look at the marks is a request: whenever the mark is there, so is every append before it.
        var appendedWhenMarked = -1;
        while (appendedWhenMarked < 0 && !worker.ExitCode.HasValue)
        {
            if (await marks.CountAsync().WaitAsync(Bound) > 0)
            {
                appendedWhenMarked = await list.CountAsync().WaitAsync(Bound);
            }
        }
        await Joined(worker);

        Assert.True(appendedWhenMarked is -1 or Count, $"the mark arrived with {appendedWhenMarked} of {Count} appends");
        Assert.Equal(Count, await list.CountAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task PipeSend_ComesAfterTheAppendsBeforeIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var (mine, theirs) = manager.Pipe(duplex: false);
        var worker = Create(ReleaseTargets.AppendThenSend, list, theirs, Count);
        await worker.StartAsync();

        Assert.Equal(Count, await mine.RecvAsync().WaitAsync(Bound));

        Assert.Equal(Count, await list.CountAsync().WaitAsync(Bound));
        await Joined(worker);
    }
}
