using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Driver.Pool;

/// <summary>The router's dispatch decisions, without processes: workers are probes, and what is sent to them is recorded.</summary>
public sealed class ChunkSchedulerTests : TestKit
{
    private readonly RecordingRouter _router = new();
    private WorkerSlots _slots = null!;
    private ChunkScheduler _scheduler = null!;

    [Fact]
    public void Dispatch_NewMap_SendsWindowOfTwoChunks()
    {
        Create(processes: 1);
        var worker = Serve();
        var job = Job(chunks: 10);

        _scheduler.Submit(job);

        Assert.Equal([[0, 1]], _router.Batches(worker));
        Assert.Equal(2, job.InFlight);
    }

    [Fact]
    public void TakeResults_CheapChunks_GrowsWindowAndSendsMoreInOneBatch()
    {
        Create(processes: 1);
        var worker = Serve();
        var job = Job(chunks: 300);
        _scheduler.Submit(job);

        // Two chunks in 20 µs: 10 µs each, so a worker may hold 2,000 / 10 = 200.
        _scheduler.TakeResults(SlotOf(worker), Results(job, [0, 1], computeMicros: 20));

        Assert.Equal(200, job.Window);
        Assert.Equal(2, _router.Batches(worker).Count);
        Assert.Equal(Enumerable.Range(2, 200), _router.Batches(worker)[1]);
    }

    [Fact]
    public async Task Submit_EmptyInputCompleted_CompletesMapWithoutSendingWork()
    {
        Create(processes: 1);
        var worker = Serve();
        var job = Job(chunks: 0);

        _scheduler.Submit(job);

        await job.Output.Reader.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(_router.ToldTo<RunChunks>(worker));
        Assert.Empty(_scheduler.Jobs);
    }

    [Fact]
    public void Dispatch_ChunkOverflowingPayload_WaitsInRetryAndGoesFirst()
    {
        Create(processes: 2, maxPayloadBytes: 10);
        var first = Serve();
        var second = Serve();
        var job = Job(chunks: 4, itemBytes: 6);

        _scheduler.Submit(job);

        // 6 + 6 bytes overflow 10: the first worker gets chunk 0, chunk 1 waits in Retry and is the
        // second worker's first, ahead of chunk 2 (which in turn waits).
        Assert.Equal([[0]], _router.Batches(first));
        Assert.Equal([[1]], _router.Batches(second));
        Assert.Equal([2], job.Retry.Select(chunk => chunk.Seq));
    }

    [Fact]
    public void WorkerLost_SuspectChunks_RunAloneOnIdleWorkerBeforeNewInput()
    {
        Create(processes: 2);
        var dying = Serve();
        var survivor = Serve();
        var job = Job(chunks: 6);
        _scheduler.Submit(job);
        // Dealt one at a time: two each.
        var lost = Assert.Single(_router.Batches(dying)).Order().ToArray();
        var kept = Assert.Single(_router.Batches(survivor));
        Assert.Equal([0, 1, 2, 3], lost.Concat(kept).Order());

        Lose(dying);
        _scheduler.Dispatch();
        _scheduler.TakeResults(SlotOf(survivor), Results(job, [kept[0]]));

        // The lost two died together: suspects, each waits for an idle worker, and nothing passes them.
        Assert.Single(_router.Batches(survivor));
        _scheduler.TakeResults(SlotOf(survivor), Results(job, [kept[1]]));
        Assert.Equal([lost[0]], _router.Batches(survivor)[^1]);
        Assert.Equal(lost[0], SlotOf(survivor).Isolated?.Seq);
        Assert.Equal([lost[1]], job.Retry.Select(chunk => chunk.Seq));
        _scheduler.Dispatch();
        Assert.Equal(2, _router.Batches(survivor).Count);

        _scheduler.TakeResults(SlotOf(survivor), Results(job, [lost[0]]));
        Assert.Equal([lost[1]], _router.Batches(survivor)[^1]);
        _scheduler.TakeResults(SlotOf(survivor), Results(job, [lost[1]]));
        Assert.Equal([4, 5], _router.Batches(survivor)[^1]);
    }

    [Fact]
    public void Dispatch_AWorkerStillStarting_TheReadyOneTakesOneChunkOfANewMapAndLeavesTheOther()
    {
        Create(processes: 2);
        var ready = Serve();
        var job = Job(chunks: 2);

        _scheduler.Submit(job);
        Assert.Equal([[0]], _router.Batches(ready));
        var late = Serve();

        Assert.Equal([[1]], _router.Batches(late));
    }

    [Fact]
    public void Dispatch_TwoWorkersTwoChunks_OneChunkEach()
    {
        // Python's workers take one task at a time: a second chunk never waits on a busy worker while another idles.
        Create(processes: 2);
        var first = Serve();
        var second = Serve();

        _scheduler.Submit(Job(chunks: 2));

        Assert.Equal([[0]], _router.Batches(first));
        Assert.Equal([[1]], _router.Batches(second));
    }

    [Fact]
    public async Task WorkerLost_ChunkAloneMaxChunkLossesTimes_FailsMap()
    {
        Create(processes: 2, maxChunkLosses: 2);
        var first = Serve();
        var second = Serve();
        var job = Job(chunks: 1);
        _scheduler.Submit(job);
        Assert.Equal([[0]], _router.Batches(first));

        Lose(first);
        _scheduler.Dispatch();
        Assert.Equal([[0]], _router.Batches(second));
        Lose(second);

        var error = await Assert.ThrowsAsync<WorkerLostException>(() => job.Output.Reader.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("2 times", error.Message);
        Assert.Empty(_scheduler.Jobs);
    }

    [Fact]
    public async Task TakeFailure_OrderedMap_DeliversEarlierChunksThenError()
    {
        Create(processes: 2);
        var first = Serve();
        var second = Serve();
        var job = Job(chunks: 4, ordered: true, completeInput: false);
        _scheduler.Submit(job);
        var holderOf = new[] { 0, 1, 2 }.ToDictionary(seq => seq, seq => _router.Batches(first).Single().Contains(seq) ? first : second);

        _scheduler.TakeFailure(SlotOf(holderOf[1]), new ChunkFailed(job.Id, 1, 0, new RemoteError("System.InvalidOperationException", "boom", "", null)));
        Assert.False(job.Output.Reader.Completion.IsCompleted);
        _scheduler.TakeResults(SlotOf(holderOf[2]), Results(job, [2]));
        _scheduler.TakeResults(SlotOf(holderOf[0]), Results(job, [0]));

        // ReadAllAsync ends only when the map's output is completed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var done = new List<ChunkDone>();
        await foreach (var chunk in job.Output.Reader.ReadAllAsync(timeout.Token))
        {
            done.Add(chunk);
        }
        // The map ends once everything before chunk 1 is in; the consumer, reading by place, meets the error there.
        var byPlace = done.OrderBy(chunk => chunk.Seq).ToList();
        Assert.Equal(0, byPlace[0].Seq);
        Assert.Null(byPlace[0].Error);
        Assert.Equal(1, byPlace[1].Seq);
        Assert.Contains("boom", byPlace[1].Error!.Message);
        Assert.Equal(1, job.FailedSeq);
        Assert.Empty(_scheduler.Jobs);
        Assert.Contains(_router.ToldTo<AbandonMap>(first).Concat(_router.ToldTo<AbandonMap>(second)), abandon => abandon.MapId == job.Id);
    }

    [Fact]
    public void Cancel_WorkerHoldsChunks_SlotBusyUntilAbandonAcknowledged()
    {
        Create(processes: 1);
        var worker = Serve();
        var cancelled = Job(chunks: 4);
        _scheduler.Submit(cancelled);

        _scheduler.Cancel(cancelled.Id);
        var next = Job(chunks: 4);
        _scheduler.Submit(next);

        Assert.Equal([new AbandonMap(cancelled.Id)], _router.ToldTo<AbandonMap>(worker));
        Assert.False(SlotOf(worker).CanTakeWork);
        Assert.Single(_router.ToldTo<RunChunks>(worker));

        _scheduler.Abandoned(SlotOf(worker), cancelled.Id);

        Assert.True(SlotOf(worker).CanTakeWork);
        Assert.Equal(next.Id, _router.ToldTo<RunChunks>(worker)[^1].MapId);
    }

    [Fact]
    public void Dispatch_AWorkerIdlesWhileAnotherHoldsQueuedChunksWithoutProgress_TakesThemBackForTheIdleOne()
    {
        Create(processes: 2);
        var busy = Serve();
        var idle = Serve();
        var job = Job(chunks: 4);
        _scheduler.Submit(job);
        var held = Assert.Single(_router.Batches(busy));
        _scheduler.TakeResults(SlotOf(idle), Results(job, Assert.Single(_router.Batches(idle))));
        Assert.Empty(_router.ToldTo<ReclaimChunks>(busy));

        // The busy worker has shown nothing since long ago: its queued chunk is asked back.
        SlotOf(busy).LastProgress = 0;
        _scheduler.Dispatch();
        Assert.Single(_router.ToldTo<ReclaimChunks>(busy));
        _scheduler.Dispatch();
        Assert.Single(_router.ToldTo<ReclaimChunks>(busy));
        _scheduler.TakeReclaimed(SlotOf(busy), new ChunksReclaimed([job.Id], [held[1]]));

        // It goes to the idle worker; the busy one (still in its first chunk) is given nothing new.
        Assert.Equal([held[1]], _router.Batches(idle)[^1]);
        Assert.Single(_router.Batches(busy));
        Assert.True(SlotOf(busy).Stalled);
        _scheduler.TakeResults(SlotOf(idle), Results(job, [held[1]]));
        _scheduler.TakeResults(SlotOf(busy), Results(job, [held[0]]));
        Assert.False(SlotOf(busy).Stalled);
        Assert.Empty(_scheduler.Jobs);
    }

    [Fact]
    public void Dispatch_AWorkerIdlesWhileAnotherHoldsQueuedChunksThatHaveProgressed_LooksAgainLater()
    {
        Create(processes: 2);
        var busy = Serve();
        var idle = Serve();
        var job = Job(chunks: 4);
        _scheduler.Submit(job);

        // Its last progress is a second from now (no clock reading in the test can reach it).
        SlotOf(busy).LastProgress = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency;
        _scheduler.TakeResults(SlotOf(idle), Results(job, Assert.Single(_router.Batches(idle)), computeMicros: 2_000));

        // Chunks of 1 ms: the busy worker may show nothing for 4 ms before it is asked (not the 100 ms used when
        // the chunks' cost is unknown); a look is scheduled for then, less the time this test has taken since.
        Assert.Empty(_router.ToldTo<ReclaimChunks>(busy));
        var (_, message, delay) = _router.Scheduled[^1];
        Assert.IsType<ReclaimCheck>(message);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(1_006));
    }

    [Fact]
    public void TakeReclaimed_AWorkerThatHadStartedNoneOfItsChunks_TakesWorkAgain()
    {
        // A worker still warming up gives all its chunks back: it must not stay stalled for want of progress.
        Create(processes: 2);
        var slow = Serve();
        var idle = Serve();
        var job = Job(chunks: 4);
        _scheduler.Submit(job);
        var held = Assert.Single(_router.Batches(slow));
        _scheduler.TakeResults(SlotOf(idle), Results(job, Assert.Single(_router.Batches(idle))));
        SlotOf(slow).LastProgress = 0;
        _scheduler.Dispatch();
        Assert.True(SlotOf(slow).Stalled);

        _scheduler.TakeReclaimed(SlotOf(slow), new ChunksReclaimed([.. held.Select(_ => job.Id)], [.. held]));

        Assert.False(SlotOf(slow).Stalled);
        Assert.Equal(2, _router.Batches(slow).Count);
    }

    [Fact]
    public void TakeReclaimed_ChunksOfAMapGivenUpMeanwhile_AreDropped()
    {
        Create(processes: 2);
        var busy = Serve();
        var idle = Serve();
        var job = Job(chunks: 4);
        _scheduler.Submit(job);
        var held = Assert.Single(_router.Batches(busy));
        _scheduler.Cancel(job.Id);

        _scheduler.TakeReclaimed(SlotOf(busy), new ChunksReclaimed([job.Id], [held[1]]));

        Assert.Single(_router.Batches(idle));
        Assert.Empty(SlotOf(busy).InFlight);
    }

    [Theory]
    [InlineData(1, "100 ns")]
    [InlineData(2_500, "250 µs")]
    [InlineData(3_000_000, "300 ms")]
    [InlineData(15_000_000, "1.5 s")]
    public void Readable_Durations_ReadInTheUnitThatFitsThem(long ticks, string expected) =>
        Assert.Equal(expected, DurationText.Of(TimeSpan.FromTicks(ticks)));

    private void Create(int processes, int? maxTasksPerChild = null, int maxChunkLosses = 3, int maxPayloadBytes = 1 << 20)
    {
        var settings = new PoolSettings(processes, "test", null, maxTasksPerChild, maxChunkLosses, Timeout.InfiniteTimeSpan, maxPayloadBytes, null, null, null, ItemSettings.None);
        _slots = new WorkerSlots(settings, _router);
        _scheduler = new ChunkScheduler(settings, _slots, _router);
        _slots.Want(TestActor, processes);
    }

    /// <summary>Takes the next started process into service, as a new worker probe; returns the probe.</summary>
    private IActorRef Serve()
    {
        var slot = _slots.All.First(s => s.Actor is null && !s.WasReady);
        var worker = CreateTestProbe().Ref;
        _slots.TakeIntoService(slot, worker);
        _scheduler.Dispatch();
        return worker;
    }

    private WorkerSlot SlotOf(IActorRef worker) => _slots.TryGetByActor(worker, out var slot) ? slot : throw new InvalidOperationException("Not a serving worker.");

    /// <summary>The worker's process died, as the router handles it: the slot goes, its chunks run again.</summary>
    private void Lose(IActorRef worker)
    {
        var slot = SlotOf(worker);
        _slots.RemoveExited(slot.ProcessId, out _);
        _scheduler.WorkerLost(slot, exitCode: -9);
    }

    private static MapJob Job(int chunks, int itemBytes = 1, bool ordered = false, bool completeInput = true)
    {
        var job = new MapJob(MapJob.NextId(), [1, 2, 3], chunkSize: 1, inputCapacity: Math.Max(1, chunks), ordered);
        for (var seq = 0; seq < chunks; seq++)
        {
            Assert.True(job.Input.Writer.TryWrite(new PendingChunk(seq, seq, 1, new byte[itemBytes])));
        }
        if (completeInput)
        {
            job.Input.Writer.Complete();
        }
        return job;
    }

    private static ChunkResults Results(MapJob job, int[] seqs, long computeMicros = 1_000) =>
        new(job.Id, [.. seqs.Select(seq => new ChunkPayload(seq, 0, 1, new byte[] { 0 }))], computeMicros);
}
