using System.Diagnostics;
using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// This process's takes from one queue: each request to the driver's store asks for up to
/// <c>prefetch</c> items, kept here and handed out one per <c>GetAsync</c>, so a fast consumer pays a
/// round trip per batch. The store keeps every item it sent on this process's account until this
/// process says (with its next request) that its code got it; when the process reports back to its
/// driver (a target's or a chunk's end) the items it holds unread go back to the queue, and when the
/// process dies the store puts back whatever was still on its account. Items handed out count on this
/// process's <see cref="TaskAccount"/> for the queue.
/// </summary>
internal sealed class QueueReader(SharedStateNode node, string hostPath, string queue, int prefetch)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Queue<byte[]> _buffer = new();
    private readonly TaskAccount _tasks = node.TaskAccount(hostPath, queue);
    private int _handed;
    private long _lastRequest;

    /// <summary>The next item, or <see langword="null"/> when none came within <paramref name="timeoutMs"/> (-1: no limit).</summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    /// <exception cref="InvalidOperationException">The queue was deleted.</exception>
    public async Task<byte[]?> TakeAsync(long timeoutMs, CancellationToken cancellationToken)
    {
        if (TryHandOut() is { } ready)
        {
            return ready;
        }
        var started = Stopwatch.GetTimestamp();
        if (!await _turn.WaitAsync(timeoutMs < 0 ? Timeout.Infinite : (int)Math.Min(timeoutMs, int.MaxValue), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        try
        {
            if (TryHandOut() is { } buffered)
            {
                return buffered;
            }
            var remaining = timeoutMs < 0 ? -1 : Math.Max(0, timeoutMs - (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var id = ++_lastRequest;
            int handed;
            lock (_buffer)
            {
                handed = _handed;
                _handed = 0;
            }
            var reply = node.AskAsync(hostPath, new QueueTake(queue, node.WriterId, node.Address, id, prefetch, remaining, handed), Timeout.InfiniteTimeSpan, CancellationToken.None);
            object answer;
            if (cancellationToken.CanBeCanceled && !reply.IsCompleted)
            {
                // Cancelled: the store ends the take, answering it with no items (or items already sent, kept here).
                using (cancellationToken.Register(() => node.Ask(hostPath, new QueueCancelTake(queue, node.WriterId, id), Timeout.InfiniteTimeSpan, static (_, _) => { })))
                {
                    answer = await reply.ConfigureAwait(false);
                }
            }
            else
            {
                answer = await reply.ConfigureAwait(false);
            }
            switch (answer)
            {
                case QueueItems items:
                    lock (_buffer)
                    {
                        foreach (var item in items.Values)
                        {
                            _buffer.Enqueue(item);
                        }
                    }
                    if (items.Values.IsEmpty)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        return null;
                    }
                    return TryHandOut();
                default:
                    QueueReplies.Expect<QueueItems>(answer);
                    throw new WireFormatException($"Unexpected answer {answer.GetType().Name} to a queue take.");
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Gives the items held unread back to the queue's front and reports those handed out: before the process reports back to its driver.</summary>
    public Task GiveBackAsync()
    {
        int handed, returned;
        lock (_buffer)
        {
            handed = _handed;
            returned = _buffer.Count;
            _handed = 0;
            _buffer.Clear();
        }
        if (handed == 0 && returned == 0)
        {
            return Task.CompletedTask;
        }
        return SettleAsync(handed, returned);
    }

    private async Task SettleAsync(int handed, int returned)
    {
        try
        {
            await node.RequestOnceAsync<object>(hostPath, new QueueSettle(queue, node.WriterId, handed, returned), CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The queue's manager is disposed: its items went with it, there is nothing to give back,
            // and the target or chunk that read from it is not failed for that.
        }
    }

    private byte[]? TryHandOut()
    {
        lock (_buffer)
        {
            if (_buffer.TryDequeue(out var item))
            {
                _handed++;
                _tasks.Got();
                return item;
            }
            return null;
        }
    }
}
