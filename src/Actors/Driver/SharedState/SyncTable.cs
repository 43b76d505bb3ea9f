using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// The host's synchronization primitives (Python's <c>Event</c>, <c>Semaphore</c>,
/// <c>BoundedSemaphore</c>, <c>Barrier</c>, <c>RLock</c>, <c>Condition</c>), each made on first use.
/// Called by its actor only. Whatever a process that goes away held is released (its semaphore
/// acquisitions, its locks), its waits end, and a barrier it was waiting at (or running the action of) is broken.
/// Barriers are in <c>SyncTable.Barrier.cs</c>.
/// </summary>
/// <param name="schedule">Schedules a <see cref="SyncExpired"/> back to the actor after the given milliseconds.</param>
internal sealed partial class SyncTable(Func<long, SyncExpired, ICancelable> schedule)
{
    private readonly Dictionary<string, Entry> _entries = [];

    public void Handle(SyncRequest request, Action<object> reply)
    {
        var entry = _entries.TryGetValue(request.Name, out var known) ? known : _entries[request.Name] = new Entry(request.Kind, request.Init);
        switch (request.Op)
        {
            case SyncOp.Set:
                entry.Value = 1;
                foreach (var waiter in entry.TakeWaiters())
                {
                    waiter.Answer(SyncOutcome.Done, 1);
                }
                Send(reply, request, SyncOutcome.Done, 1);
                break;
            case SyncOp.Clear:
                entry.Value = 0;
                Send(reply, request, SyncOutcome.Done, 0);
                break;
            case SyncOp.Read:
                Send(reply, request, entry.Broken ? SyncOutcome.Broken : SyncOutcome.Done, entry.Kind == SyncKind.Barrier ? BarrierWaiting(entry) : entry.Value);
                break;
            case SyncOp.Wait when entry.Kind == SyncKind.Event:
                if (entry.Value == 1)
                {
                    Send(reply, request, SyncOutcome.Done, 1);
                }
                else
                {
                    Park(entry, entry.Waiters, request, reply);
                }
                break;
            case SyncOp.Wait when entry.Kind == SyncKind.Barrier:
                BarrierWait(entry, request, reply);
                break;
            case SyncOp.Wait:
                ConditionWait(entry, request, reply);
                break;
            case SyncOp.Acquire:
                Acquire(entry, request, reply);
                break;
            case SyncOp.Release:
                Release(entry, request, reply);
                break;
            case SyncOp.Notify:
                Notify(entry, request, reply);
                break;
            case SyncOp.Reset:
                BreakWaiters(entry, BarrierBreaks.Reset);
                entry.Broken = false;
                Send(reply, request, SyncOutcome.Done, 0);
                break;
            case SyncOp.Abort:
                BreakWaiters(entry, BarrierBreaks.Aborted);
                Send(reply, request, SyncOutcome.Done, 0);
                break;
            case SyncOp.Cancel:
                End(entry, request.Owner, request.Arg);
                Send(reply, request, SyncOutcome.Done, 0);
                break;
            case SyncOp.ActionDone or SyncOp.ActionFailed:
                ActionEnded(entry, request, reply);
                break;
        }
    }

    /// <summary>A wait's time is up: it ends as timed out (a barrier's breaks).</summary>
    public void Expire(SyncExpired expired)
    {
        if (_entries.TryGetValue(expired.Name, out var entry))
        {
            End(entry, expired.Owner, expired.RequestId);
        }
    }

    /// <summary>The process at <paramref name="address"/> is gone.</summary>
    public void ProcessGone(string address)
    {
        foreach (var entry in _entries.Values)
        {
            if (entry.Kind == SyncKind.Barrier)
            {
                BarrierProcessGone(entry, address);
                continue;
            }
            entry.Waiters.RemoveAll(w => w.Request.Address == address && w.Cancel());
            entry.ConditionWaiters.RemoveAll(w => w.Request.Address == address && w.Cancel());
            if (entry.Held.Remove(address, out var held))
            {
                entry.Value += held;
                GrantSemaphore(entry);
            }
            if (entry.OwnerAddress == address)
            {
                entry.Owner = null;
                entry.OwnerAddress = null;
                entry.Depth = 0;
                GrantLock(entry);
            }
        }
    }

    public void Delete(string name) => _entries.Remove(name);

    /// <summary>Forgets everything; returns the callbacks of every wait, which will never be answered otherwise.</summary>
    public List<(string Name, Action<object> Reply)> Clear()
    {
        var waiting = _entries.SelectMany(e => e.Value.Waiters.Concat(e.Value.ConditionWaiters).Concat(e.Value.NextRound).Select(w => (e.Key, w.Reply))).ToList();
        _entries.Clear();
        return waiting;
    }

    private void Acquire(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Kind is SyncKind.Semaphore or SyncKind.BoundedSemaphore)
        {
            if (entry.Value > 0 && entry.Waiters.Count == 0)
            {
                entry.Value--;
                entry.Held[request.Address] = entry.Held.GetValueOrDefault(request.Address) + 1;
                Send(reply, request, SyncOutcome.Done, 1);
            }
            else
            {
                Park(entry, entry.Waiters, request, reply);
            }
            return;
        }
        if (entry.Owner is null && entry.Waiters.Count == 0)
        {
            Own(entry, request, 1);
            Send(reply, request, SyncOutcome.Done, 1);
        }
        else if (entry.Owner == request.Owner)
        {
            entry.Depth++;
            Send(reply, request, SyncOutcome.Done, 1);
        }
        else
        {
            Park(entry, entry.Waiters, request, reply);
        }
    }

    private void Release(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Kind is SyncKind.Semaphore or SyncKind.BoundedSemaphore)
        {
            var count = Math.Max(1, request.Arg);
            if (entry.Kind == SyncKind.BoundedSemaphore && entry.Value + count > entry.Init)
            {
                Send(reply, request, SyncOutcome.TooManyReleases, entry.Value);
                return;
            }
            entry.Value += count;
            if (entry.Held.TryGetValue(request.Address, out var held))
            {
                if (held <= count)
                {
                    entry.Held.Remove(request.Address);
                }
                else
                {
                    entry.Held[request.Address] = held - count;
                }
            }
            GrantSemaphore(entry);
            Send(reply, request, SyncOutcome.Done, entry.Value);
            return;
        }
        if (entry.Owner != request.Owner)
        {
            Send(reply, request, SyncOutcome.NotOwner, 0);
            return;
        }
        if (--entry.Depth == 0)
        {
            entry.Owner = null;
            entry.OwnerAddress = null;
            GrantLock(entry);
        }
        Send(reply, request, SyncOutcome.Done, 0);
    }

    private void ConditionWait(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Owner != request.Owner)
        {
            Send(reply, request, SyncOutcome.NotOwner, 0);
            return;
        }
        var waiter = Park(entry, entry.ConditionWaiters, request, reply);
        waiter.Depth = entry.Depth;
        entry.Owner = null;
        entry.OwnerAddress = null;
        entry.Depth = 0;
        GrantLock(entry);
    }

    private static void Notify(Entry entry, SyncRequest request, Action<object> reply)
    {
        if (entry.Owner != request.Owner)
        {
            Send(reply, request, SyncOutcome.NotOwner, 0);
            return;
        }
        var count = request.Arg < 0 ? entry.ConditionWaiters.Count : (int)Math.Min(request.Arg, entry.ConditionWaiters.Count);
        foreach (var waiter in entry.ConditionWaiters.Take(count).ToList())
        {
            // Notified: it waits for the lock now, with no time limit (Python's wait re-acquires without one).
            waiter.Cancel();
            entry.ConditionWaiters.Remove(waiter);
            waiter.Notified = true;
            entry.Waiters.Add(waiter);
        }
        Send(reply, request, SyncOutcome.Done, count);
    }

    /// <summary>Ends a wait of <paramref name="owner"/>'s request <paramref name="requestId"/>, if it still waits.</summary>
    private void End(Entry entry, string owner, long requestId)
    {
        if (entry.Kind == SyncKind.Barrier)
        {
            EndBarrierWait(entry, owner, requestId);
            return;
        }
        var waiter = entry.Waiters.Find(w => w.Is(owner, requestId));
        if (waiter is not null && !waiter.Notified && !waiter.Reacquiring)
        {
            entry.Waiters.Remove(waiter);
            waiter.Answer(SyncOutcome.TimedOut, 0);
            GrantSemaphore(entry);
            GrantLock(entry);
            return;
        }
        var sleeper = entry.ConditionWaiters.Find(w => w.Is(owner, requestId));
        if (sleeper is not null)
        {
            // Timed out: it takes the lock back before it returns, as Python's wait does.
            entry.ConditionWaiters.Remove(sleeper);
            sleeper.Notified = false;
            sleeper.Reacquiring = true;
            entry.Waiters.Add(sleeper);
            GrantLock(entry);
        }
    }

    private static void GrantSemaphore(Entry entry)
    {
        if (entry.Kind is not (SyncKind.Semaphore or SyncKind.BoundedSemaphore))
        {
            return;
        }
        while (entry.Value > 0 && entry.Waiters.Count > 0)
        {
            var next = entry.Waiters[0];
            entry.Waiters.RemoveAt(0);
            next.Cancel();
            entry.Value--;
            entry.Held[next.Request.Address] = entry.Held.GetValueOrDefault(next.Request.Address) + 1;
            next.Answer(SyncOutcome.Done, 1);
        }
    }

    private static void GrantLock(Entry entry)
    {
        if (entry.Kind is not (SyncKind.RLock or SyncKind.Condition) || entry.Owner is not null || entry.Waiters.Count == 0)
        {
            return;
        }
        var next = entry.Waiters[0];
        entry.Waiters.RemoveAt(0);
        next.Cancel();
        Own(entry, next.Request, Math.Max(1, next.Depth));
        // A condition waiter answers whether it was notified; an acquirer that it holds the lock.
        next.Answer(SyncOutcome.Done, next.Request.Op == SyncOp.Wait ? (next.Notified ? 1 : 0) : 1);
    }

    private static void Own(Entry entry, SyncRequest request, int depth)
    {
        entry.Owner = request.Owner;
        entry.OwnerAddress = request.Address;
        entry.Depth = depth;
    }

    private Waiter Park(Entry entry, List<Waiter> list, SyncRequest request, Action<object> reply)
    {
        var waiter = new Waiter(request, reply);
        if (request.TimeoutMs == 0 && list == entry.Waiters)
        {
            waiter.Answer(entry.Kind == SyncKind.Barrier ? SyncOutcome.Broken : SyncOutcome.TimedOut, entry.Kind == SyncKind.Barrier ? BarrierBreaks.TimedOut : 0);
            if (entry.Kind == SyncKind.Barrier)
            {
                BreakWaiters(entry, BarrierBreaks.TimedOut);
            }
            return waiter;
        }
        if (request.TimeoutMs > 0)
        {
            waiter.Timer = schedule(request.TimeoutMs, new SyncExpired(request.Name, request.Owner, request.RequestId));
        }
        list.Add(waiter);
        return waiter;
    }

    private static void Send(Action<object> reply, SyncRequest request, SyncOutcome outcome, long value) =>
        reply(new SyncReply(request.Name, request.RequestId, outcome, value));

    private sealed class Entry(SyncKind kind, long init)
    {
        public SyncKind Kind { get; } = kind;

        /// <summary>A semaphore's bound, a barrier's parties.</summary>
        public long Init { get; } = init;

        /// <summary>An event's flag, a semaphore's count.</summary>
        public long Value { get; set; } = kind is SyncKind.Semaphore or SyncKind.BoundedSemaphore ? init : 0;

        public List<Waiter> Waiters { get; } = [];

        public List<Waiter> ConditionWaiters { get; } = [];

        /// <summary>A semaphore's acquisitions, by process.</summary>
        public Dictionary<string, long> Held { get; } = [];

        public string? Owner { get; set; }

        public string? OwnerAddress { get; set; }

        public int Depth { get; set; }

        public bool Broken { get; set; }

        /// <summary>Why the barrier broke (<see cref="BarrierBreaks"/>), while <see cref="Broken"/>.</summary>
        public long BrokenBy { get; set; }

        /// <summary>A barrier's party running the round's action (answered <see cref="SyncOutcome.RunAction"/>), until it says how it went.</summary>
        public Waiter? Runner { get; set; }

        /// <summary>The round <see cref="Runner"/> runs the action of: its <see cref="SyncOp.ActionDone"/> names it.</summary>
        public long RunnerRound { get; set; }

        /// <summary>A barrier's arrivals while the action runs: the next round's parties, let in once the round is released (no timer until then, as Python's <c>_enter</c>).</summary>
        public List<Waiter> NextRound { get; } = [];

        public List<Waiter> TakeWaiters()
        {
            var all = Waiters.ToList();
            Waiters.Clear();
            all.ForEach(w => w.Cancel());
            return all;
        }
    }

    private sealed class Waiter(SyncRequest request, Action<object> reply)
    {
        public SyncRequest Request { get; } = request;

        public Action<object> Reply { get; } = reply;

        public ICancelable? Timer { get; set; }

        /// <summary>A condition waiter's lock depth, given back with the lock.</summary>
        public int Depth { get; set; }

        public bool Notified { get; set; }

        public bool Reacquiring { get; set; }

        public bool Is(string owner, long requestId) => Request.Owner == owner && Request.RequestId == requestId;

        /// <summary>Stops its timer; true, so it can sit in a RemoveAll predicate.</summary>
        public bool Cancel()
        {
            Timer?.Cancel();
            return true;
        }

        public void Answer(SyncOutcome outcome, long value) => Send(Reply, Request, outcome, value);
    }
}

/// <summary>Driver-side, to the host: the wait of <paramref name="Owner"/>'s request <paramref name="RequestId"/> on <paramref name="Name"/> is out of time.</summary>
internal sealed record SyncExpired(string Name, string Owner, long RequestId);
