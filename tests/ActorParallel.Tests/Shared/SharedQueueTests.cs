using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// Manager queues in the spirit of CPython's <c>_TestQueue</c>: blocking and timeouts, bounded queues,
/// <c>JoinableQueue.join</c>, and nothing lost when producers exit at once or consumers are killed.
/// </summary>
public sealed class SharedQueueTests : RuntimeFixture
{
    [Fact]
    public async Task GetAsync_EmptyQueue_WithTimeoutThrowsQueueEmptyAfterTheTimeout_AndGetNoWaitAtOnce()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<string>();

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<QueueEmptyException>(() => queue.GetAsync(TimeSpan.FromMilliseconds(200))).WaitAsync(Bound);
        var waited = started.Elapsed;
        Assert.Throws<QueueEmptyException>(() => queue.GetNoWait());
        queue.Put("a");
        queue.Put("b");

        Assert.InRange(waited, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(10));
        Assert.Equal(2, await queue.CountAsync().WaitAsync(Bound));
        Assert.Equal("a", queue.GetNoWait());
        Assert.Equal("b", await queue.GetAsync().WaitAsync(Bound));
        Assert.True(await queue.IsEmptyAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task GetNoWait_InAPoolFunction_EmptyQueue_ReachesTheCallerAsQueueEmptyException()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var error = await Assert.ThrowsAsync<QueueEmptyException>(() => pool.ApplyAsync(TakeNow(queue)).WaitAsync(Bound));

        Assert.Equal(typeof(QueueEmptyException).FullName, Assert.IsType<RemoteException>(error.InnerException).RemoteType);
    }

    /// <summary>A call that captures <paramref name="queue"/> alone.</summary>
    private static Func<int> TakeNow(SharedQueue<int> queue) => () => queue.GetNoWait();

    [Fact]
    public async Task Close_InAWorker_ItsLaterPutsAndGetsThrow_ItemsPutBeforeArrive_OtherHandlesStillWork()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });

        var refusals = await pool.ApplyAsync(PutTwoThenClose(queue)).WaitAsync(Bound);
        queue.Put(3);

        Assert.All(refusals, message => Assert.Contains($"Shared queue '{queue.Name}' was closed by this handle", message));
        Assert.Equal(3, refusals.Length);
        var first = await queue.GetAsync().WaitAsync(Bound);
        var second = await queue.GetAsync().WaitAsync(Bound);
        Assert.Equal([1, 2, 3], new[] { first, second, queue.GetNoWait() });
    }

    /// <summary>Puts 1 and 2, closes its handle, and gives the messages of a put, a get and a get_nowait tried after.</summary>
    private static Func<string[]> PutTwoThenClose(SharedQueue<int> queue) => () =>
    {
        queue.Put(1);
        queue.Put(2);
        queue.Close();
        return [Refusal(() => queue.Put(3)), Refusal(() => queue.GetAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult()), Refusal(() => queue.GetNoWait())];
    };

    private static string Refusal(Action action)
    {
        try
        {
            action();
            return "not refused";
        }
        catch (InvalidOperationException refused)
        {
            return refused.Message;
        }
    }

    [Fact]
    public async Task GetAsync_Cancelled_ThrowsAndTheNextItemStaysInTheQueue()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        using var cancel = new CancellationTokenSource();

        var waiting = queue.GetAsync(cancellationToken: cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).WaitAsync(Bound);
        queue.Put(7);

        Assert.Equal(7, await queue.GetAsync(TimeSpan.FromSeconds(5)).WaitAsync(Bound));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public async Task MaxSizeZeroOrLess_IsUnbounded_AsPython(int maxSize)
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>(maxSize);
        var joinable = manager.JoinableQueue<int>(maxSize);

        for (var i = 0; i < 1000; i++)
        {
            queue.PutNoWait(i);
            await joinable.PutAsync(i, TimeSpan.Zero).WaitAsync(Bound);
        }

        Assert.Equal((0, 0), (queue.MaxSize, joinable.MaxSize));
        Assert.Equal((1000, 1000), (await queue.CountAsync().WaitAsync(Bound), await joinable.CountAsync().WaitAsync(Bound)));
        Assert.False(await queue.IsFullAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task PutAsync_BoundedQueueFull_ThrowsQueueFullAfterTheTimeout_PutNoWaitAtOnce_RoomAfterAGet()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>(maxSize: 2);
        queue.Put(1);
        await queue.PutAsync(2).WaitAsync(Bound);

        Assert.True(await queue.IsFullAsync().WaitAsync(Bound));
        await Assert.ThrowsAsync<QueueFullException>(() => queue.PutAsync(3, TimeSpan.FromMilliseconds(100))).WaitAsync(Bound);
        Assert.Throws<QueueFullException>(() => queue.PutNoWait(3));
        var blocked = queue.PutAsync(3);
        Assert.False(blocked.IsCompleted);
        Assert.Equal(1, await queue.GetAsync().WaitAsync(Bound));
        await blocked.WaitAsync(Bound);

        var second = await queue.GetAsync().WaitAsync(Bound);
        var third = await queue.GetAsync().WaitAsync(Bound);
        Assert.Equal((2, 3), (second, third));
    }

    [Fact]
    public async Task Put_BoundedQueue_ProducerProcessWaitsForRoom_EveryItemArrivesInOrder()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>(maxSize: 3);
        var producer = Create(QueueTargets.PutBounded, queue, 500);
        await producer.StartAsync();

        var items = new List<int>();
        while (await queue.GetAsync(Bound).WaitAsync(Bound) is var item && item != -1)
        {
            items.Add(item);
            Assert.True(await queue.CountAsync().WaitAsync(Bound) <= 3);
        }
        await Joined(producer);

        Assert.Equal(Enumerable.Range(0, 500), items);
        Assert.Equal(0, producer.ExitCode);
    }

    [Fact]
    public async Task Put_ProducerExitsRightAfterPutting_NoItemLost_AndJoinDoesNotHang()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        var producer = Create(QueueTargets.PutRangeAndExit, queue, 0, 20_000);

        await producer.StartAsync();
        await Joined(producer);
        var items = new List<int>();
        for (var i = 0; i < 20_000; i++)
        {
            items.Add(queue.GetNoWait());
        }

        Assert.Equal(0, producer.ExitCode);
        Assert.Equal(Enumerable.Range(0, 20_000), items);
        Assert.True(await queue.IsEmptyAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task JoinableQueue_FiveProducersTwoConsumers_EveryItemConsumedExactlyOnce_AndJoinReturns()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>();
        var seen = manager.List<int>();
        var producers = Enumerable.Range(0, 5).Select(p => Create(QueueTargets.PutRangeJoinable, queue, p * 10_000, 10_000)).ToList();
        var consumers = Enumerable.Range(0, 2).Select(_ => Create(QueueTargets.ConsumeAndRecord, queue, seen)).ToList();

        await Task.WhenAll(producers.Concat(consumers).Select(p => p.StartAsync()));
        foreach (var producer in producers)
        {
            await Joined(producer);
        }
        await queue.JoinAsync().WaitAsync(Bound);
        foreach (var consumer in consumers)
        {
            await Joined(consumer);
        }

        Assert.All(producers.Concat(consumers), p => Assert.True(p.ExitCode == 0, $"{p}: exit {p.ExitCode}, {p.Exception}"));
        Assert.Equal(Enumerable.Range(0, 50_000), (await seen.ToListAsync().WaitAsync(Bound)).Order());
    }

    [Fact]
    public async Task JoinableQueue_ConsumerSigkilledWithItemsInFlight_TheyGoBackAndAreConsumedByAnother_JoinReturns()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>();
        var seen = manager.List<int>();
        for (var i = 0; i < 5_000; i++)
        {
            queue.Put(i);
        }
        var marker = ScratchFile("holding");
        var victim = Create(QueueTargets.TakeOneThenWait, queue, marker);
        await victim.StartAsync();
        // The victim took item 0, and its process holds up to a prefetch's worth more.
        await WaitForFile(marker);

        victim.Kill();
        await Joined(victim);
        var survivor = Create(QueueTargets.ConsumeAndRecord, queue, seen);
        await survivor.StartAsync();
        await queue.JoinAsync().WaitAsync(Bound);
        await Joined(survivor);

        Assert.Equal(-9, victim.ExitCode);
        Assert.Equal(Enumerable.Range(0, 5_000), (await seen.ToListAsync().WaitAsync(Bound)).Order());
    }

    [Fact]
    public async Task JoinableQueue_OverRemoting_ConsumerSigkilledWithItemsInFlight_TheyGoBack_JoinReturns()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        await using var manager = await Manager.StartAsync(runtime).WaitAsync(Bound);
        var queue = manager.JoinableQueue<int>();
        var seen = manager.List<int>();
        for (var i = 0; i < 2_000; i++)
        {
            queue.Put(i);
        }
        var marker = ScratchFile("holding-remoting");
        var victim = runtime.CreateProcess(QueueTargets.TakeOneThenWait, queue, marker);
        var survivor = runtime.CreateProcess(QueueTargets.ConsumeAndRecord, queue, seen);
        try
        {
            await victim.StartAsync().WaitAsync(Bound);
            await WaitForFile(marker);
            victim.Kill();
            Assert.True(await victim.JoinAsync(Bound), "the victim did not exit");
            await survivor.StartAsync().WaitAsync(Bound);
            await queue.JoinAsync().WaitAsync(Bound);
            Assert.True(await survivor.JoinAsync(Bound), "the survivor did not exit");

            Assert.True(survivor.ExitCode == 0, $"exit {survivor.ExitCode}: {survivor.Exception}");
            Assert.Equal(Enumerable.Range(0, 2_000), (await seen.ToListAsync().WaitAsync(Bound)).Order());
        }
        finally
        {
            foreach (var pid in new[] { victim.Pid, survivor.Pid }.OfType<int>())
            {
                OsProcesses.KillQuietly(pid);
            }
        }
    }

    [Fact]
    public async Task GetAsync_InAWorkerWithATimeout_ThrowsQueueEmptyAfterIt()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var empty = manager.Queue<int>();
        var report = manager.Queue<long>();
        var process = Create(QueueTargets.TimeAnEmptyGet, empty, report);

        await process.StartAsync();
        var waited = await report.GetAsync(Bound).WaitAsync(Bound);
        await Joined(process);

        Assert.InRange(waited, 290, 10_000);
    }

    [Fact]
    public async Task SimpleQueue_DriverAndWorkerBothWays_AndFromPoolFunctions()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var input = manager.SimpleQueue<int>();
        var output = manager.SimpleQueue<int>();
        var doubler = Create(QueueTargets.Doubler, input, output);
        await doubler.StartAsync();
        for (var i = 0; i < 100; i++)
        {
            input.Put(i);
        }
        input.Put(-1);
        var doubled = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            doubled.Add(await output.GetAsync().WaitAsync(Bound));
        }
        await Joined(doubler);
        var plain = manager.Queue<int?>();
        plain.Put(1);
        plain.Put(2);
        plain.Put(null);
        var read = new List<int>();
        using (var deadline = new CancellationTokenSource(Bound))
        {
            await foreach (var item in plain.ReadAllAsync(deadline.Token))
            {
                if (item is not { } value)
                {
                    break;
                }
                read.Add(value);
            }
        }
        Assert.Equal([1, 2], read);

        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var results = await pool.MapAsync(PutSquare(output), Enumerable.Range(0, 40), chunkSize: 3).WaitAsync(Bound);
        var squares = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            squares.Add(await output.GetAsync().WaitAsync(Bound));
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 2), doubled);
        Assert.Equal(Enumerable.Range(0, 40), results);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i * i), squares.Order());
        Assert.True(await output.IsEmptyAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task GetAsync_InPoolFunctions_EachItemTakenOnce_UnreadPrefetchGoesBackAtTheChunksEnd()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        for (var i = 0; i < 1_000; i++)
        {
            queue.Put(i);
        }
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var taken = await pool.MapAsync(TakeOne(queue), Enumerable.Range(0, 20), chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(20, taken.Distinct().Count());
        Assert.Equal(980, await queue.CountAsync().WaitAsync(Bound));
        var rest = new List<int>();
        for (var i = 0; i < 980; i++)
        {
            rest.Add(queue.GetNoWait());
        }
        Assert.Equal(Enumerable.Range(0, 1_000), taken.Concat(rest).Order());
    }

    [Fact]
    public async Task Queue_AfterTheManagerIsDisposed_GetFailsNamingIt()
    {
        var manager = await Manager.StartAsync(Runtime);
        var queue = manager.Queue<int>();
        var waiting = queue.GetAsync();

        await manager.DisposeAsync();

        var error = await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => waiting).WaitAsync(Bound);
        Assert.Contains(queue.Name, error.Message);
    }

    private static Func<int, int> PutSquare(SharedSimpleQueue<int> output) => x =>
    {
        output.Put(x * x);
        return x;
    };

    private static Func<int, int> TakeOne(SharedQueue<int> queue) => _ => queue.GetAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
}
