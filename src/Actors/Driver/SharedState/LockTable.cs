using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// The host's locks: an owner and a first-come queue per name. Requests are identified by writer and
/// request id, so a resent acquire neither queues twice nor loses its grant; every lock held or
/// awaited by a process that goes away is released.
/// </summary>
internal sealed class LockTable
{
    private readonly Dictionary<string, Lock> _locks = [];

    public void Acquire(AcquireLock request, IActorRef replyTo)
    {
        var entry = _locks.TryGetValue(request.Name, out var existing) ? existing : _locks[request.Name] = new Lock();
        var waiter = new Waiter(request.Writer, request.RequestId, request.Address, replyTo);
        if (entry.Owner is { } owner && owner.Is(request.Writer, request.RequestId))
        {
            replyTo.Tell(new LockGranted(request.Name, request.RequestId));
            return;
        }
        var queued = entry.Queue.FindIndex(w => w.Is(request.Writer, request.RequestId));
        if (queued >= 0)
        {
            entry.Queue[queued] = waiter;
            return;
        }
        entry.Queue.Add(waiter);
        GrantNext(request.Name, entry);
    }

    public void Release(ReleaseLock request)
    {
        if (_locks.TryGetValue(request.Name, out var entry) && entry.Owner is { } owner && owner.Is(request.Writer, request.RequestId))
        {
            entry.Owner = null;
            GrantNext(request.Name, entry);
        }
    }

    /// <summary>The process at <paramref name="address"/> is gone: its locks are free and its waits are over.</summary>
    public void ReleaseAllOf(string address)
    {
        foreach (var (name, entry) in _locks)
        {
            entry.Queue.RemoveAll(w => w.Address == address);
            if (entry.Owner?.Address == address)
            {
                entry.Owner = null;
                GrantNext(name, entry);
            }
        }
    }

    public void Delete(string name) => _locks.Remove(name);

    /// <summary>Forgets every lock; returns the requests still waiting for a grant, which will never come.</summary>
    public List<(string Name, IActorRef ReplyTo)> Clear()
    {
        var waiting = _locks.SelectMany(entry => entry.Value.Queue.Select(w => (entry.Key, w.ReplyTo))).ToList();
        _locks.Clear();
        return waiting;
    }

    private static void GrantNext(string name, Lock entry)
    {
        if (entry.Owner is not null || entry.Queue.Count == 0)
        {
            return;
        }
        entry.Owner = entry.Queue[0];
        entry.Queue.RemoveAt(0);
        entry.Owner.ReplyTo.Tell(new LockGranted(name, entry.Owner.RequestId));
    }

    private sealed class Lock
    {
        public Waiter? Owner { get; set; }

        public List<Waiter> Queue { get; } = [];
    }

    private sealed record Waiter(string Writer, long RequestId, string Address, IActorRef ReplyTo)
    {
        public bool Is(string writer, long requestId) => Writer == writer && RequestId == requestId;
    }
}
