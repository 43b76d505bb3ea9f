using System.Collections.Immutable;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>One queue of a <see cref="QueueStore"/>; called under the store's lock only.</summary>
internal sealed class StoredQueue(string name, int maxSize, bool joinable, string? peer = null)
{
    private readonly LinkedList<byte[]> _items = new();
    private readonly Dictionary<string, Consumer> _consumers = [];
    private readonly Dictionary<string, WriterState> _writers = [];
    private readonly LinkedList<ParkedTake> _takers = new();
    private readonly LinkedList<ParkedPut> _putters = new();
    private readonly List<Action<object>> _joiners = [];
    private long _unfinished;

    /// <summary>For a pipe's direction: the queue the other end reads; when that end's process goes, this queue ends.</summary>
    public string? Peer => peer;

    /// <summary>No more items will come (a pipe end closed, or its process gone): takes of an empty queue answer <see cref="QueueEnded"/>.</summary>
    public bool Ended { get; private set; }

    /// <summary>Whether a consumer of this queue lives at <paramref name="address"/>.</summary>
    public bool HasConsumerAt(string address) => _consumers.Values.Any(c => c.Address == address);

    /// <summary>Ends the queue: takers waiting on it now, with nothing left, hear so.</summary>
    public void End(QueueStore.Replies replies)
    {
        Ended = true;
        if (_items.Count == 0)
        {
            foreach (var taker in _takers)
            {
                taker.Timer?.Dispose();
                replies.Add(taker.Reply, new QueueEnded(name, taker.Request.RequestId));
            }
            _takers.Clear();
        }
    }

    /// <summary>Items in the queue: not yet sent to any consumer.</summary>
    public int Count => _items.Count;

    private int Room => maxSize == 0 ? int.MaxValue : Math.Max(0, maxSize - _items.Count);

    public void Put(QueuePut put, Action<object> reply, QueueStore.Replies replies)
    {
        var writer = _writers.TryGetValue(put.Writer, out var known) ? known : _writers[put.Writer] = new WriterState();
        var done = new QueuePutDone(put.Queue, put.Writer, put.Seq);
        if (put.Seq <= writer.LastSeq)
        {
            // A resend of a batch already taken: answer it, or let its parked remainder answer the new sender.
            if (writer.Parked is { } parked && parked.Value.Seq == put.Seq)
            {
                parked.Value.Reply = reply;
            }
            else
            {
                replies.Add(reply, done);
            }
            return;
        }
        writer.LastSeq = put.Seq;
        if (put.TaskDone > 0)
        {
            TaskDone(put.Writer, put.TaskDone);
        }
        _unfinished += joinable ? put.Values.Length : 0;
        var pending = new ParkedPut(new Queue<byte[]>(put.Values), done, reply, put.Seq, Partial: true, Timer: null);
        if (_putters.Count == 0)
        {
            MoveIn(pending);
        }
        if (pending.Values.Count == 0)
        {
            replies.Add(reply, done);
        }
        else
        {
            writer.Parked = _putters.AddLast(pending);
        }
    }

    public void Offer(QueueOffer offer, Action<object> reply, QueueStore.Replies replies, Action expire)
    {
        if (_putters.Count == 0 && Room >= offer.Values.Length)
        {
            Accept(offer.Values);
            replies.Add(reply, new QueueOffered(offer.Queue, true));
        }
        else if (offer.TimeoutMs == 0)
        {
            replies.Add(reply, new QueueOffered(offer.Queue, false));
        }
        else
        {
            var timer = offer.TimeoutMs > 0 ? new Timer(_ => expire(), null, offer.TimeoutMs, Timeout.Infinite) : null;
            _putters.AddLast(new ParkedPut(new Queue<byte[]>(offer.Values), new QueueOffered(offer.Queue, true), reply, 0, Partial: false, timer));
        }
    }

    public void ExpireOffer(string name, Action<object> reply, QueueStore.Replies replies)
    {
        for (var node = _putters.First; node is not null; node = node.Next)
        {
            if (node.Value.Reply == reply && !node.Value.Partial)
            {
                _putters.Remove(node);
                replies.Add(reply, new QueueOffered(name, false));
                return;
            }
        }
    }

    public void Take(QueueTake take, Action<object> reply, QueueStore.Replies replies, Action expire)
    {
        var consumer = ConsumerOf(take.Consumer, take.Address);
        Handed(consumer, take.Handed);
        if (_items.Count > 0 && _takers.Count == 0)
        {
            replies.Add(reply, new QueueItems(take.Queue, take.RequestId, Send(consumer, take.Max)));
        }
        else if (Ended && _items.Count == 0)
        {
            replies.Add(reply, new QueueEnded(take.Queue, take.RequestId));
        }
        else if (take.TimeoutMs == 0)
        {
            replies.Add(reply, new QueueItems(take.Queue, take.RequestId, []));
        }
        else
        {
            var timer = take.TimeoutMs > 0 ? new Timer(_ => expire(), null, take.TimeoutMs, Timeout.Infinite) : null;
            _takers.AddLast(new ParkedTake(take, consumer, reply, timer));
        }
    }

    /// <summary>Takes the first item if one is there and no taker waits before this one; room it frees goes to waiting putters at the store's next dispatch.</summary>
    public bool TryTakeNow(out byte[]? item)
    {
        item = null;
        if (_items.First is not { } first || _takers.Count > 0 || _putters.Count > 0)
        {
            return false;
        }
        _items.RemoveFirst();
        item = first.Value;
        return true;
    }

    public void CancelTake(string consumer, long requestId, QueueStore.Replies replies)
    {
        for (var node = _takers.First; node is not null; node = node.Next)
        {
            if (node.Value.Request.Consumer == consumer && node.Value.Request.RequestId == requestId)
            {
                _takers.Remove(node);
                node.Value.Timer?.Dispose();
                replies.Add(node.Value.Reply, new QueueItems(node.Value.Request.Queue, requestId, []));
                return;
            }
        }
    }

    /// <summary>The consumer handed <paramref name="handed"/> more items to its code and gives back its last <paramref name="returned"/>.</summary>
    public void Settle(string consumerId, int handed, int returned)
    {
        if (!_consumers.TryGetValue(consumerId, out var consumer))
        {
            return;
        }
        Handed(consumer, handed);
        for (var i = 0; i < returned && consumer.Outstanding.Last is { } last; i++)
        {
            consumer.Outstanding.RemoveLast();
            _items.AddFirst(last.Value);
        }
        consumer.HandedCount = Math.Min(consumer.HandedCount, consumer.Outstanding.Count);
    }

    public void Join(string name, Action<object> reply, QueueStore.Replies replies)
    {
        if (_unfinished == 0)
        {
            replies.Add(reply, new QueueAck(name));
        }
        else
        {
            _joiners.Add(reply);
        }
    }

    public QueueState State(string name)
    {
        var received = _consumers.Values.Sum(c => c.Outstanding.Count - c.HandedCount);
        return new QueueState(name, _items.Count + received, _unfinished, maxSize);
    }

    /// <summary>The consumers of the process at <paramref name="address"/> are gone: what they had not finished goes back to the front.</summary>
    public void ProcessGone(string address)
    {
        foreach (var (id, consumer) in _consumers.Where(c => c.Value.Address == address).ToList())
        {
            for (var node = consumer.Outstanding.Last; node is not null; node = node.Previous)
            {
                _items.AddFirst(node.Value);
            }
            _consumers.Remove(id);
            for (var node = _takers.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Consumer == consumer)
                {
                    node.Value.Timer?.Dispose();
                    _takers.Remove(node);
                }
                node = next;
            }
        }
    }

    /// <summary>Gives waiting takers what is there and lets waiting putters in, until neither can go on.</summary>
    public void Dispatch(QueueStore.Replies replies)
    {
        while (true)
        {
            var moved = false;
            while (_items.Count > 0 && _takers.First is { } first)
            {
                _takers.RemoveFirst();
                first.Value.Timer?.Dispose();
                var take = first.Value.Request;
                replies.Add(first.Value.Reply, new QueueItems(take.Queue, take.RequestId, Send(first.Value.Consumer, take.Max)));
                moved = true;
            }
            while (_putters.First is { } putter && Room > 0)
            {
                var parked = putter.Value;
                if (!parked.Partial && Room < parked.Values.Count)
                {
                    break;
                }
                if (!parked.Partial)
                {
                    // An offer counts as put when it goes in (a batch counted when it came).
                    _unfinished += joinable ? parked.Values.Count : 0;
                }
                MoveIn(parked);
                moved = true;
                if (parked.Values.Count > 0)
                {
                    break;
                }
                _putters.RemoveFirst();
                parked.Timer?.Dispose();
                replies.Add(parked.Reply, parked.Done);
                foreach (var writer in _writers.Values.Where(w => w.Parked == putter))
                {
                    writer.Parked = null;
                }
            }
            if (!moved || _items.Count == 0 || _takers.Count == 0)
            {
                if (Ended && _items.Count == 0 && _takers.Count > 0)
                {
                    End(replies);
                }
                if (_unfinished == 0 && _joiners.Count > 0)
                {
                    _joiners.ForEach(joiner => replies.Add(joiner, new QueueAck(name)));
                    _joiners.Clear();
                }
                return;
            }
        }
    }

    /// <summary>Tells everyone waiting that the queue is gone.</summary>
    public void FailAll(QueueStore.Replies replies, object failure)
    {
        foreach (var taker in _takers)
        {
            taker.Timer?.Dispose();
            replies.Add(taker.Reply, failure);
        }
        foreach (var putter in _putters)
        {
            putter.Timer?.Dispose();
            replies.Add(putter.Reply, failure);
        }
        _joiners.ForEach(joiner => replies.Add(joiner, failure));
        _takers.Clear();
        _putters.Clear();
        _joiners.Clear();
    }

    private void TaskDone(string consumerId, int count)
    {
        _unfinished = Math.Max(0, _unfinished - count);
        if (_consumers.TryGetValue(consumerId, out var consumer))
        {
            for (var i = 0; i < count && consumer.Outstanding.Count > 0; i++)
            {
                consumer.Outstanding.RemoveFirst();
            }
            consumer.HandedCount = Math.Max(0, consumer.HandedCount - count);
        }
    }

    private void Handed(Consumer consumer, int count)
    {
        if (joinable)
        {
            // Finished only by TaskDone: handed items stay on the consumer's account until then.
            consumer.HandedCount = Math.Min(consumer.Outstanding.Count, consumer.HandedCount + count);
            return;
        }
        for (var i = 0; i < count && consumer.Outstanding.Count > 0; i++)
        {
            consumer.Outstanding.RemoveFirst();
        }
    }

    private Consumer ConsumerOf(string id, string address)
    {
        if (!_consumers.TryGetValue(id, out var consumer))
        {
            consumer = _consumers[id] = new Consumer(address);
        }
        return consumer;
    }

    private ImmutableArray<byte[]> Send(Consumer consumer, int max)
    {
        var count = Math.Min(Math.Max(1, max), _items.Count);
        var sent = ImmutableArray.CreateBuilder<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var item = _items.First!.Value;
            _items.RemoveFirst();
            consumer.Outstanding.AddLast(item);
            sent.Add(item);
        }
        return sent.MoveToImmutable();
    }

    private void MoveIn(ParkedPut put)
    {
        while (put.Values.Count > 0 && Room > 0)
        {
            _items.AddLast(put.Values.Dequeue());
        }
    }

    private void Accept(ImmutableArray<byte[]> values)
    {
        foreach (var value in values)
        {
            _items.AddLast(value);
        }
        _unfinished += joinable ? values.Length : 0;
    }

    private sealed class Consumer(string address)
    {
        public string Address { get; } = address;

        /// <summary>Items sent to this consumer and not yet finished, oldest first.</summary>
        public LinkedList<byte[]> Outstanding { get; } = new();

        /// <summary>Of <see cref="Outstanding"/>, how many (the first) the consumer has handed to its code (joinable queues).</summary>
        public int HandedCount { get; set; }
    }

    private sealed class WriterState
    {
        public long LastSeq { get; set; }

        public LinkedListNode<ParkedPut>? Parked { get; set; }
    }

    private sealed record ParkedTake(QueueTake Request, Consumer Consumer, Action<object> Reply, Timer? Timer);

    private sealed record ParkedPut(Queue<byte[]> Values, object Done, Action<object> Reply, long Seq, bool Partial, Timer? Timer)
    {
        public Action<object> Reply { get; set; } = Reply;
    }
}
