using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Driver.Pool;

/// <summary>The router's replacement and retirement decisions, without processes: supervisors and workers are probes.</summary>
public sealed class WorkerSlotsTests : TestKit
{
    private readonly RecordingRouter _router = new();

    [Fact]
    public void Want_PoolOfThree_StartsThreeUnderThatSupervisor()
    {
        var slots = Create(maxTasksPerChild: null);

        slots.Want(TestActor, 3);

        Assert.Equal(3, _router.Started.Count);
        Assert.All(_router.Started, start => Assert.Equal(TestActor, start.Supervisor));
        Assert.Equal(3, slots.ProcessesStarted);
    }

    [Fact]
    public void RetireIfDone_MaxTasksPerChildReached_StartsExactlyOneReplacement()
    {
        var slots = Create(maxTasksPerChild: 2);
        var scheduler = new ChunkScheduler(Settings(2), slots, _router);
        slots.Want(TestActor, 1);
        var worker = CreateTestProbe().Ref;
        var slot = slots.All.Single();
        slots.TakeIntoService(slot, worker);
        var job = new MapJob(MapJob.NextId(), [1], chunkSize: 1, inputCapacity: 8, ordered: false);
        for (var seq = 0; seq < 8; seq++)
        {
            job.Input.Writer.TryWrite(new PendingChunk(seq, seq, 1, new byte[] { 0 }));
        }
        scheduler.Submit(job);

        scheduler.TakeResults(slot, new ChunkResults(job.Id, [new ChunkPayload(0, 0, 1, new byte[] { 0 }), new ChunkPayload(1, 0, 1, new byte[] { 0 })], 100));
        slots.RetireIfDone(slot);
        slots.Replenish(TestActor);

        Assert.Equal(2, _router.Started.Count);
        Assert.True(slot.Retiring);
        Assert.Single(_router.ToldTo<ExitWorker>(worker));
        Assert.False(slots.TryGetByActor(worker, out _));
    }

    [Fact]
    public void Replenish_WorkersEndEveryWay_NeverMoreThanNServing()
    {
        const int n = 2;
        var slots = Create(maxTasksPerChild: 1);
        var supervisor = TestActor;
        slots.Want(supervisor, n);
        AssertAtMostN();

        // A start fails: its slot goes and one replacement starts.
        slots.RemoveFailedStart(_router.Started[0].Spec.Id, out _);
        slots.Replenish(supervisor);
        AssertAtMostN();

        var serving = slots.All.ToList();
        foreach (var slot in serving)
        {
            slots.TakeIntoService(slot, CreateTestProbe().Ref);
        }
        AssertAtMostN();

        // One exits (crash).
        slots.RemoveExited(serving[0].ProcessId, out _);
        slots.Replenish(supervisor);
        AssertAtMostN();

        // One retires after its tasks, twice asked; then exits.
        serving[1].TasksDone = 1;
        slots.RetireIfDone(serving[1]);
        slots.RetireIfDone(serving[1]);
        slots.Replenish(supervisor);
        AssertAtMostN();
        slots.RemoveExited(serving[1].ProcessId, out _);
        slots.Replenish(supervisor);
        AssertAtMostN();

        Assert.Equal(n, slots.All.Count(slot => !slot.Retiring));
        Assert.Equal(n + 3, _router.Started.Count);

        void AssertAtMostN()
        {
            Assert.True(slots.All.Count(slot => !slot.Retiring) <= n, "more than N slots that are not retiring");
            Assert.True(slots.All.Count(slot => slot.IsServing) <= n, "more than N serving slots");
        }
    }

    [Fact]
    public void Replenish_PoolMayNotStartWorkers_StartsNone()
    {
        var slots = Create(maxTasksPerChild: null);
        _router.MayStartWorkers = false;

        slots.Want(TestActor, 2);

        Assert.Empty(_router.Started);
    }

    [Fact]
    public void Replenish_SupervisorLost_StartsNoneThere()
    {
        var slots = Create(maxTasksPerChild: null);
        var node = CreateTestProbe().Ref;
        slots.Want(node, 2);

        var lost = slots.LoseSupervisor(node);
        foreach (var slot in lost)
        {
            slots.RemoveExited(slot.ProcessId, out _);
        }
        slots.Replenish(node);

        Assert.Equal(2, lost.Count);
        Assert.Equal(2, _router.Started.Count);
        Assert.Equal(0, slots.Count);
    }

    [Fact]
    public void TakeIntoService_WorkerCpus_PinsEachToTheLeastHeldCpu()
    {
        var settings = new PoolSettings(3, "test", null, null, 3, Timeout.InfiniteTimeSpan, 1 << 20, null, null, [4, 5], ItemSettings.None);
        var slots = new WorkerSlots(settings, _router);
        slots.Want(TestActor, 3);
        var workers = new List<IActorRef>();

        foreach (var slot in slots.All.ToList())
        {
            var worker = CreateTestProbe().Ref;
            workers.Add(worker);
            slots.TakeIntoService(slot, worker);
        }

        Assert.Equal([4, 5, 4], workers.Select(worker => _router.ToldTo<PinComputeThread>(worker).Single().Cpu));
    }

    [Fact]
    public void RetireAll_OneHoldsAChunk_ExitsOnlyTheIdleOne()
    {
        var slots = Create(maxTasksPerChild: null);
        slots.Want(TestActor, 2);
        var idle = CreateTestProbe().Ref;
        var busy = CreateTestProbe().Ref;
        var all = slots.All.ToList();
        slots.TakeIntoService(all[0], idle);
        slots.TakeIntoService(all[1], busy);
        all[1].InFlight[(1, 0)] = new PendingChunk(0, 0, 1, new byte[] { 0 });

        slots.RetireAll();

        Assert.Single(_router.ToldTo<ExitWorker>(idle));
        Assert.Empty(_router.ToldTo<ExitWorker>(busy));
        Assert.True(all.All(slot => slot.Retiring));
    }

    private WorkerSlots Create(int? maxTasksPerChild) => new(Settings(maxTasksPerChild), _router);

    private static PoolSettings Settings(int? maxTasksPerChild) => new(2, "test", null, maxTasksPerChild, 3, Timeout.InfiniteTimeSpan, 1 << 20, null, null, null, ItemSettings.None);
}
