using System.Collections.Concurrent;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// A Manager's queues, kept in the driver: items, who waits to take or to put, which items each
/// consumer process has received but not yet finished with, and the unfinished count of
/// <c>JoinableQueue.join</c>. Thread-safe, and called directly rather than through an actor: by the
/// driver's own handles, by the driver's end of each worker's direct link (on its reading thread),
/// and by the Manager's <see cref="SharedStateHost"/> for workers that come over Akka.Remote; every
/// reply goes to the callback given with its request, outside the store's lock.
/// </summary>
/// <remarks>
/// Delivery: items a consumer has received but not yet reported as handed to its code (plain queues)
/// or as done (<c>TaskDone</c>, joinable queues) stay on the consumer's account; when its process
/// goes away they go back to the front of the queue, in order (at-least-once).
/// </remarks>
internal sealed class QueueStore(string manager)
{
    /// <summary>The stores of the Managers in this process, by their host's path: a handle decoded here reaches its store directly.</summary>
    private static readonly ConcurrentDictionary<string, QueueStore> Here = new();

    private readonly object _gate = new();
    private readonly Dictionary<string, StoredQueue> _queues = [];
    private bool _disposed;

    /// <summary>Makes <paramref name="store"/> the store of the host at <paramref name="hostPath"/> in this process.</summary>
    public static void Register(string hostPath, QueueStore store) => Here[hostPath] = store;

    /// <summary>The store of the host at <paramref name="hostPath"/> if that host runs in this process.</summary>
    public static QueueStore? Find(string hostPath) => Here.GetValueOrDefault(hostPath);

    /// <summary>The process at <paramref name="address"/> is gone, for every store of this process.</summary>
    public static void ProcessGoneEverywhere(string address)
    {
        foreach (var store in Here.Values)
        {
            store.ProcessGone(address);
        }
    }

    /// <summary>Creates queue <paramref name="name"/>; <paramref name="maxSize"/> 0 for an unbounded one.</summary>
    public void Create(string name, int maxSize, bool joinable)
    {
        lock (_gate)
        {
            _queues[name] = new StoredQueue(name, maxSize, joinable);
        }
    }

    /// <summary>
    /// Creates the queues of a pipe: <paramref name="toB"/> (read by end B) and, for a duplex pipe,
    /// <paramref name="toA"/>; each ends when the process reading the other goes away.
    /// </summary>
    public void CreatePipe(string toB, string? toA)
    {
        lock (_gate)
        {
            _queues[toB] = new StoredQueue(toB, 0, false, toA);
            if (toA is not null)
            {
                _queues[toA] = new StoredQueue(toA, 0, false, toB);
            }
        }
    }

    /// <summary>The manager is disposed: whoever waits is told so, and every request from now on.</summary>
    public void Dispose()
    {
        var replies = new Replies();
        lock (_gate)
        {
            _disposed = true;
            foreach (var (name, queue) in _queues)
            {
                queue.FailAll(replies, new ManagerDisposed(manager, name));
            }
            _queues.Clear();
        }
        replies.Send();
    }

    /// <summary>Throws what any request on <paramref name="queue"/> is answered with once the manager is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    public void ThrowIfDisposed(string queue)
    {
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
        }
        if (disposed)
        {
            Workers.QueueReplies.Expect<QueueAck>(new ManagerDisposed(manager, queue));
        }
    }

    /// <summary>Serves one request; <paramref name="reply"/> is called once with the answer, now or when it is ready.</summary>
    public void Handle(IQueueRequest request, Action<object> reply)
    {
        var replies = new Replies();
        lock (_gate)
        {
            if (_disposed)
            {
                replies.Add(reply, new ManagerDisposed(manager, request.Queue));
            }
            else if (!_queues.TryGetValue(request.Queue, out var queue))
            {
                replies.Add(reply, new QueueFailed(request.Queue, Missing(request.Queue)));
            }
            else
            {
                Serve(queue, request, reply, replies);
                queue.Dispatch(replies);
            }
        }
        replies.Send();
    }

    /// <summary>
    /// The driver's own get, when an item is there and nobody waits before it: taken under one lock,
    /// with no request, and straight into the driver's hands (the driver does not die apart from its queues).
    /// </summary>
    public bool TryTakeNow(string name, out byte[]? item)
    {
        lock (_gate)
        {
            item = null;
            return !_disposed && _queues.TryGetValue(name, out var queue) && queue.TryTakeNow(out item);
        }
    }

    /// <summary>
    /// The process at <paramref name="address"/> is gone (exited or killed): the items it received and
    /// had not finished with go back to the front of their queues, and its waits are over.
    /// </summary>
    public void ProcessGone(string address)
    {
        var replies = new Replies();
        lock (_gate)
        {
            foreach (var queue in _queues.Values)
            {
                // A pipe end's process is gone: the other end reads to the end of what it sent, then end-of-file.
                if (queue.Peer is { } peer && queue.HasConsumerAt(address) && _queues.TryGetValue(peer, out var other))
                {
                    other.End(replies);
                }
                queue.ProcessGone(address);
                queue.Dispatch(replies);
            }
        }
        replies.Send();
    }

    private void Serve(StoredQueue queue, IQueueRequest request, Action<object> reply, Replies replies)
    {
        switch (request)
        {
            case QueuePut put:
                queue.Put(put, reply, replies);
                break;
            case QueueOffer offer:
                queue.Offer(offer, reply, replies, () => Expire(offer.Queue, reply));
                break;
            case QueueTake take:
                queue.Take(take, reply, replies, () => ExpireTake(take));
                break;
            case QueueCancelTake cancel:
                queue.CancelTake(cancel.Consumer, cancel.RequestId, replies);
                replies.Add(reply, new QueueAck(cancel.Queue));
                break;
            case QueueSettle settle:
                queue.Settle(settle.Consumer, settle.Handed, settle.Returned);
                replies.Add(reply, new QueueAck(settle.Queue));
                break;
            case QueueJoin join:
                queue.Join(join.Queue, reply, replies);
                break;
            case QueueEnd end:
                queue.End(replies);
                replies.Add(reply, new QueueAck(end.Queue));
                break;
            case QueueStatus status:
                replies.Add(reply, queue.State(status.Queue));
                break;
        }
    }

    private void ExpireTake(QueueTake take)
    {
        var replies = new Replies();
        lock (_gate)
        {
            if (_queues.TryGetValue(take.Queue, out var queue))
            {
                queue.CancelTake(take.Consumer, take.RequestId, replies);
            }
        }
        replies.Send();
    }

    private void Expire(string name, Action<object> reply)
    {
        var replies = new Replies();
        lock (_gate)
        {
            if (_queues.TryGetValue(name, out var queue))
            {
                queue.ExpireOffer(name, reply, replies);
            }
        }
        replies.Send();
    }

    private static string Missing(string name) => $"Queue '{name}' does not exist (any more): it was deleted.";

    /// <summary>Replies gathered under the lock and sent after it.</summary>
    internal sealed class Replies
    {
        private List<(Action<object> To, object Reply)>? _pending;

        public void Add(Action<object> to, object reply) => (_pending ??= []).Add((to, reply));

        public void Send()
        {
            if (_pending is null)
            {
                return;
            }
            foreach (var (to, reply) in _pending)
            {
                to(reply);
            }
        }
    }
}
