namespace ActorParallel.Workers;

/// <summary>
/// A writer's encoded values waiting to go to the host, in batches that each fit one message, with the
/// tasks waiting on each batch: what a shared list's appends and a queue's puts have in common. Not
/// thread-safe: the writer holds its gate around every call.
/// </summary>
/// <param name="maxBatchBytes">A batch this large takes nothing more; the next value starts a new one.</param>
internal sealed class ValueBatches(int maxBatchBytes)
{
    private readonly Queue<ValueBatch> _waiting = new([new ValueBatch()]);

    /// <summary>The batch new values join: a new one once the last would no longer fit one message.</summary>
    public ValueBatch Last()
    {
        var last = _waiting.Last();
        if (last.Bytes >= maxBatchBytes)
        {
            last = new ValueBatch();
            _waiting.Enqueue(last);
        }
        return last;
    }

    /// <summary>
    /// The next batch that has something to send, taken out; batches with nothing to send on the way have
    /// their waiters completed (a flush behind sent work). <see langword="null"/> when nothing is left.
    /// </summary>
    public ValueBatch? TakeNext()
    {
        while (true)
        {
            var next = _waiting.Dequeue();
            if (_waiting.Count == 0)
            {
                _waiting.Enqueue(new ValueBatch());
            }
            if (next.Values.Count > 0 || next.TaskDone > 0)
            {
                return next;
            }
            next.Waiters.Complete();
            if (_waiting.Count == 1 && _waiting.Peek().IsEmpty)
            {
                return null;
            }
        }
    }

    /// <summary>Fails every waiting task with <paramref name="error"/>; whether there was any.</summary>
    public bool FailWaiting(Exception error)
    {
        var any = false;
        foreach (var batch in _waiting)
        {
            any |= batch.Waiters.Fail(error);
        }
        return any;
    }
}

/// <summary>One batch of encoded values (and, for a queue, <c>TaskDone</c> calls) and the tasks waiting on it.</summary>
internal sealed class ValueBatch
{
    public List<byte[]> Values { get; } = [];

    public Waiters Waiters { get; } = new();

    /// <summary>The values' bytes, with a little for each one's framing.</summary>
    public long Bytes { get; private set; }

    /// <summary>A queue's <c>TaskDone</c> calls sent with this batch.</summary>
    public int TaskDone { get; set; }

    public bool IsEmpty => Values.Count == 0 && TaskDone == 0 && Waiters.IsEmpty;

    public void Add(byte[] value, TaskCompletionSource? ack)
    {
        Values.Add(value);
        Bytes += value.Length + 8;
        if (ack is not null)
        {
            Waiters.Add(ack);
        }
    }
}
