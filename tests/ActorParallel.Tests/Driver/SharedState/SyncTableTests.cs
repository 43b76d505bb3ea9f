using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>The host's synchronization primitives without processes: replies are collected, expiries fired by hand.</summary>
public sealed class SyncTableTests
{
    private readonly List<SyncExpired> _scheduled = [];
    private readonly SyncTable _table;
    private long _lastId;

    public SyncTableTests() => _table = new SyncTable((_, expired) =>
    {
        _scheduled.Add(expired);
        return new NoTimer();
    });

    [Fact]
    public void Semaphore_HolderGone_ItsAcquisitionGoesToTheWaiter()
    {
        Assert.Equal(SyncOutcome.Done, Call(SyncKind.Semaphore, SyncOp.Acquire, "p1", "p1", init: 1)!.Outcome);
        SyncReply? waiter = null;
        _table.Handle(Request(SyncKind.Semaphore, SyncOp.Acquire, "p2", "p2", init: 1, timeoutMs: -1), reply => waiter = (SyncReply)reply);
        Assert.Null(waiter);

        _table.ProcessGone("p1");

        Assert.Equal(SyncOutcome.Done, waiter!.Outcome);
    }

    [Fact]
    public void BoundedSemaphore_ReleasedAboveItsBound_SaysTooMany()
    {
        Assert.Equal(SyncOutcome.TooManyReleases, Call(SyncKind.BoundedSemaphore, SyncOp.Release, "p1", "p1", init: 1, arg: 1)!.Outcome);
    }

    [Fact]
    public void Barrier_ThirdPartyArrives_AllPassWithDistinctIndexes_ATimeoutBreaksTheNextRound()
    {
        var replies = new List<SyncReply>();
        _table.Handle(Request(SyncKind.Barrier, SyncOp.Wait, "a", "p1", init: 3, timeoutMs: -1), r => replies.Add((SyncReply)r));
        _table.Handle(Request(SyncKind.Barrier, SyncOp.Wait, "b", "p2", init: 3, timeoutMs: -1), r => replies.Add((SyncReply)r));
        _table.Handle(Request(SyncKind.Barrier, SyncOp.Wait, "c", "p3", init: 3, timeoutMs: -1), r => replies.Add((SyncReply)r));

        Assert.Equal([0L, 1L, 2L], replies.Select(r => r.Value).Order());
        Assert.All(replies, r => Assert.Equal(SyncOutcome.Done, r.Outcome));

        SyncReply? timedOut = null;
        _table.Handle(Request(SyncKind.Barrier, SyncOp.Wait, "a", "p1", init: 3, timeoutMs: 50), r => timedOut = (SyncReply)r);
        _table.Expire(Assert.Single(_scheduled));
        Assert.Equal(SyncOutcome.Broken, timedOut!.Outcome);
        Assert.Equal(SyncOutcome.Broken, Call(SyncKind.Barrier, SyncOp.Wait, "b", "p2", init: 3)!.Outcome);
    }

    [Fact]
    public void RLock_ReentrantForItsOwner_ReleasedByAnotherIsNotOwner_FreeAfterEveryLevel()
    {
        Call(SyncKind.RLock, SyncOp.Acquire, "p1:1", "p1");
        Call(SyncKind.RLock, SyncOp.Acquire, "p1:1", "p1");
        SyncReply? other = null;
        _table.Handle(Request(SyncKind.RLock, SyncOp.Acquire, "p2:1", "p2", timeoutMs: -1), r => other = (SyncReply)r);

        Assert.Equal(SyncOutcome.NotOwner, Call(SyncKind.RLock, SyncOp.Release, "p2:1", "p2")!.Outcome);
        Call(SyncKind.RLock, SyncOp.Release, "p1:1", "p1");
        Assert.Null(other);
        Call(SyncKind.RLock, SyncOp.Release, "p1:1", "p1");
        Assert.Equal(SyncOutcome.Done, other!.Outcome);
    }

    [Fact]
    public void Condition_WaitReleasesTheLock_NotifyThenReleaseGivesItBack_Notified()
    {
        Call(SyncKind.Condition, SyncOp.Acquire, "w", "p1");
        SyncReply? woken = null;
        _table.Handle(Request(SyncKind.Condition, SyncOp.Wait, "w", "p1", timeoutMs: -1), r => woken = (SyncReply)r);

        Assert.Equal(SyncOutcome.Done, Call(SyncKind.Condition, SyncOp.Acquire, "n", "p2")!.Outcome);
        Call(SyncKind.Condition, SyncOp.Notify, "n", "p2", arg: 1);
        Assert.Null(woken);
        Call(SyncKind.Condition, SyncOp.Release, "n", "p2");

        Assert.Equal(new SyncReply("x", woken!.RequestId, SyncOutcome.Done, 1), woken);
        Assert.Equal(SyncOutcome.Done, Call(SyncKind.Condition, SyncOp.Release, "w", "p1")!.Outcome);
    }

    private SyncReply? Call(SyncKind kind, SyncOp op, string owner, string address, long init = 0, long arg = 0)
    {
        SyncReply? answer = null;
        _table.Handle(Request(kind, op, owner, address, init, arg, 0), reply => answer = (SyncReply)reply);
        return answer;
    }

    private SyncRequest Request(SyncKind kind, SyncOp op, string owner, string address, long init = 0, long arg = 0, long timeoutMs = 0) =>
        new("x", kind, op, owner, ++_lastId, address, init, arg, timeoutMs);

    private sealed class NoTimer : ICancelable
    {
        public bool IsCancellationRequested { get; private set; }

        public CancellationToken Token => CancellationToken.None;

        public void Cancel() => IsCancellationRequested = true;

        public void Cancel(bool throwOnFirstException) => Cancel();

        public void CancelAfter(TimeSpan delay)
        {
        }

        public void CancelAfter(int millisecondsDelay)
        {
        }
    }
}
