using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// Barriers, as CPython's <c>threading.Barrier</c> (which <c>multiprocessing.Barrier</c> is): parties
/// park until the last arrives. With an action the release has two phases: the last party is answered
/// <see cref="SyncOutcome.RunAction"/> and runs it in its own process while the others stay parked,
/// then says how it went; the round is released, or broken if the action threw, its runner's process
/// died or a parked party timed out meanwhile.
/// </summary>
internal sealed partial class SyncTable
{
    private long _lastRound;

    private void BarrierWait(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Broken)
        {
            Send(reply, request, SyncOutcome.Broken, entry.BrokenBy);
            return;
        }
        if (entry.Runner is not null)
        {
            // Every party of the round is in: this one is the next round's.
            entry.NextRound.Add(new Waiter(request, reply));
            return;
        }
        if (entry.Waiters.Count + 1 < entry.Init)
        {
            Park(entry, entry.Waiters, request, reply);
            return;
        }
        if (request.Arg == SyncArgs.WithAction)
        {
            // Python: the last party runs the action before any party is released.
            entry.Runner = new Waiter(request, reply);
            entry.RunnerRound = ++_lastRound;
            entry.Runner.Answer(SyncOutcome.RunAction, entry.RunnerRound);
            return;
        }
        ReleaseRound(entry, request, reply);
    }

    /// <summary>The runner says how the action of round Arg went.</summary>
    private void ActionEnded(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Runner is null || entry.RunnerRound != request.Arg)
        {
            // The round was broken while the action ran: a party timed out or died, or an abort or reset.
            Send(reply, request, SyncOutcome.Broken, entry.BrokenBy);
            return;
        }
        entry.Runner = null;
        if (request.Op == SyncOp.ActionFailed)
        {
            // Python: the runner gets the action's exception, every other party BrokenBarrierError.
            BreakWaiters(entry, BarrierBreaks.ActionFailed);
            Send(reply, request, SyncOutcome.Broken, BarrierBreaks.ActionFailed);
            return;
        }
        ReleaseRound(entry, request, reply);
    }

    /// <summary>Releases the parked parties and the last one (answered with <paramref name="lastReply"/>), each with its arrival index; then lets the next round in.</summary>
    private void ReleaseRound(Entry entry, SyncRequest lastRequest, Action<object> lastReply)
    {
        var arrived = entry.TakeWaiters();
        for (var i = 0; i < arrived.Count; i++)
        {
            arrived[i].Answer(SyncOutcome.Done, i);
        }
        Send(lastReply, lastRequest, SyncOutcome.Done, arrived.Count);
        while (entry.Runner is null && entry.NextRound.Count > 0)
        {
            var next = entry.NextRound[0];
            entry.NextRound.RemoveAt(0);
            BarrierWait(entry, next.Request, next.Reply);
        }
    }

    /// <summary>Ends a barrier wait of <paramref name="owner"/>'s request <paramref name="requestId"/> (timed out or cancelled).</summary>
    private static void EndBarrierWait(Entry entry, string owner, long requestId)
    {
        if (entry.Waiters.Exists(w => w.Is(owner, requestId)))
        {
            // Python: a party that times out breaks the barrier for every party (the action's runner too).
            BreakWaiters(entry, BarrierBreaks.TimedOut);
            return;
        }
        if (entry.NextRound.Find(w => w.Is(owner, requestId)) is { } queued)
        {
            // Not in a round yet: it leaves alone.
            entry.NextRound.Remove(queued);
            queued.Answer(SyncOutcome.Broken, BarrierBreaks.TimedOut);
        }
    }

    /// <summary>The process at <paramref name="address"/> is gone: a barrier it waited at, or ran the action of, breaks.</summary>
    private static void BarrierProcessGone(Entry entry, string address)
    {
        entry.NextRound.RemoveAll(w => w.Request.Address == address);
        if (entry.Runner?.Request.Address == address)
        {
            BreakWaiters(entry, BarrierBreaks.RunnerDied);
        }
        else if (entry.Waiters.Exists(w => w.Request.Address == address))
        {
            BreakWaiters(entry, BarrierBreaks.PartyDied);
        }
    }

    /// <summary>Python's <c>n_waiting</c>: the parked parties, and the action's runner while it runs.</summary>
    private static long BarrierWaiting(Entry entry) => entry.Waiters.Count + (entry.Runner is null ? 0 : 1);

    /// <summary>Breaks the barrier: every party waiting, or queued for the next round, is answered Broken; the action's runner hears it when it reports.</summary>
    private static void BreakWaiters(Entry entry, long why)
    {
        entry.Broken = true;
        entry.BrokenBy = why;
        entry.Runner = null;
        var queued = entry.NextRound.ToList();
        entry.NextRound.Clear();
        foreach (var waiter in entry.TakeWaiters().Concat(queued))
        {
            waiter.Answer(SyncOutcome.Broken, why);
        }
    }
}
