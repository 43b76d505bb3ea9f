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
    public void Barrier_WithAction_LastPartyRunsItFirst_OthersReleasedOnlyWhenItIsDone()
    {
        var replies = new Dictionary<string, SyncReply>();
        Wait("a", "p1", 3, replies);
        Wait("b", "p2", 3, replies);
        Wait("c", "p3", 3, replies);

        // Only the last party is answered: run the action; the others stay parked.
        var run = Assert.Single(replies).Value;
        Assert.Equal(("c", SyncOutcome.RunAction), (replies.Keys.Single(), run.Outcome));
        Assert.Equal(3, Call(SyncKind.Barrier, SyncOp.Read, "r", "p4", init: 3)!.Value);

        var done = Call(SyncKind.Barrier, SyncOp.ActionDone, "c", "p3", init: 3, arg: run.Value)!;

        Assert.Equal(new SyncReply("x", done.RequestId, SyncOutcome.Done, 2), done);
        Assert.Equal([0L, 1L], new[] { replies["a"].Value, replies["b"].Value }.Order());
        Assert.All([replies["a"], replies["b"]], r => Assert.Equal(SyncOutcome.Done, r.Outcome));
        Assert.Equal(0, Call(SyncKind.Barrier, SyncOp.Read, "r", "p4", init: 3)!.Value);
    }

    [Fact]
    public void Barrier_ActionFailed_BreaksIt_ResetMakesItWork()
    {
        var replies = new Dictionary<string, SyncReply>();
        Wait("a", "p1", 2, replies);
        Wait("b", "p2", 2, replies);

        var failed = Call(SyncKind.Barrier, SyncOp.ActionFailed, "b", "p2", init: 2, arg: replies["b"].Value)!;

        Assert.Equal(SyncOutcome.Broken, failed.Outcome);
        Assert.Equal(SyncOutcome.Broken, replies["a"].Outcome);
        Assert.Equal(SyncOutcome.Broken, Call(SyncKind.Barrier, SyncOp.Read, "r", "p4", init: 2)!.Outcome);
        Call(SyncKind.Barrier, SyncOp.Reset, "r", "p4", init: 2);
        replies.Clear();
        Wait("a", "p1", 2, replies);
        Wait("b", "p2", 2, replies);
        Assert.Equal(SyncOutcome.RunAction, replies["b"].Outcome);
    }

    [Fact]
    public void Barrier_RunnersProcessGone_BreaksIt_ItsLateReportIsBroken()
    {
        var replies = new Dictionary<string, SyncReply>();
        Wait("a", "p1", 2, replies);
        Wait("b", "p2", 2, replies);

        _table.ProcessGone("p2");

        Assert.Equal(SyncOutcome.Broken, replies["a"].Outcome);
        Assert.Equal(SyncOutcome.Broken, Call(SyncKind.Barrier, SyncOp.ActionDone, "b", "p2", init: 2, arg: replies["b"].Value)!.Outcome);
    }

    [Fact]
    public void Barrier_AParkedPartyTimesOutWhileTheActionRuns_BreaksIt()
    {
        var replies = new Dictionary<string, SyncReply>();
        Wait("a", "p1", 2, replies, timeoutMs: 50);
        Wait("b", "p2", 2, replies);

        _table.Expire(Assert.Single(_scheduled));

        Assert.Equal(SyncOutcome.Broken, replies["a"].Outcome);
        Assert.Equal(SyncOutcome.Broken, Call(SyncKind.Barrier, SyncOp.ActionDone, "b", "p2", init: 2, arg: replies["b"].Value)!.Outcome);
    }

    [Fact]
    public void Barrier_ArrivalsWhileTheActionRuns_AreTheNextRounds_LetInWhenItIsReleased()
    {
        var replies = new Dictionary<string, SyncReply>();
        Wait("a", "p1", 2, replies);
        Wait("b", "p2", 2, replies);
        var firstRound = replies["b"].Value;
        Wait("c", "p3", 2, replies);
        Wait("d", "p4", 2, replies);
        Assert.Equal(["b"], replies.Keys);

        Call(SyncKind.Barrier, SyncOp.ActionDone, "b", "p2", init: 2, arg: firstRound);

        // c parked (index 0), d arrived last: it runs the next round's action.
        Assert.Equal(SyncOutcome.Done, replies["a"].Outcome);
        Assert.False(replies.ContainsKey("c"));
        Assert.Equal(SyncOutcome.RunAction, replies["d"].Outcome);
        Assert.NotEqual(firstRound, replies["d"].Value);
        Call(SyncKind.Barrier, SyncOp.ActionDone, "d", "p4", init: 2, arg: replies["d"].Value);
        Assert.Equal(new SyncReply("x", replies["c"].RequestId, SyncOutcome.Done, 0), replies["c"]);
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

    /// <summary>A wait at a barrier of <paramref name="parties"/> with an action; its reply lands in <paramref name="replies"/> under <paramref name="owner"/>.</summary>
    private void Wait(string owner, string address, int parties, Dictionary<string, SyncReply> replies, long timeoutMs = -1) =>
        _table.Handle(Request(SyncKind.Barrier, SyncOp.Wait, owner, address, init: parties, arg: SyncArgs.WithAction, timeoutMs: timeoutMs), r => replies[owner] = (SyncReply)r);

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
