using ActorParallel.Protocol;
using ActorParallel.Workers;

namespace ActorParallel.Driver;

/// <summary>
/// A queue handle's client in the driver that holds the queue: every call goes straight into the
/// <see cref="QueueStore"/> (no message, no actor), so the driver's puts are stored when they return
/// and its gets take one item at a time; each item got and each <c>TaskDone</c> is counted on this
/// process's <paramref name="tasks"/>. With <paramref name="writes"/>, each put and <c>TaskDone</c> comes
/// after the writes this process batched before it (see <see cref="SharedStateNode.ReleaseAsync"/>).
/// </summary>
internal sealed class LocalQueueClient(QueueStore store, string name, string address, TaskAccount tasks, SharedStateNode? writes = null) : IQueueClient
{
    private static long s_lastClient;

    /// <summary>This handle's own writer and consumer name: its puts need no numbering across handles.</summary>
    private readonly string _id = $"driver-{Environment.ProcessId}-{Interlocked.Increment(ref s_lastClient)}";
    private long _lastSeq;
    private long _lastRequest;

    public void Put(byte[] value)
    {
        writes?.Release();
        Call<QueuePutDone>(new QueuePut(name, _id, Interlocked.Increment(ref _lastSeq), [value], 0));
    }

    public async Task PutAsync(byte[] value, CancellationToken cancellationToken)
    {
        await AfterEarlierWritesAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync<QueuePutDone>(new QueuePut(name, _id, Interlocked.Increment(ref _lastSeq), [value], 0), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> OfferAsync(byte[] value, long timeoutMs, CancellationToken cancellationToken)
    {
        await AfterEarlierWritesAsync(cancellationToken).ConfigureAwait(false);
        return (await CallAsync<QueueOffered>(new QueueOffer(name, [value], timeoutMs), cancellationToken).ConfigureAwait(false)).Accepted;
    }

    private Task AfterEarlierWritesAsync(CancellationToken cancellationToken) =>
        writes?.ReleaseAsync().WaitAsync(cancellationToken) ?? Task.CompletedTask;

    public Task<byte[]?> TakeAsync(long timeoutMs, CancellationToken cancellationToken)
    {
        if (store.TryTakeNow(name, out var item))
        {
            tasks.Got();
            return Task.FromResult(item);
        }
        return WaitToTakeAsync(timeoutMs, cancellationToken);
    }

    private async Task<byte[]?> WaitToTakeAsync(long timeoutMs, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastRequest);
        var answered = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Handle(new QueueTake(name, _id, address, id, 1, timeoutMs, 0), reply => answered.TrySetResult(reply));
        object reply;
        if (!answered.Task.IsCompleted && cancellationToken.CanBeCanceled)
        {
            using (cancellationToken.Register(() => store.Handle(new QueueCancelTake(name, _id, id), static _ => { })))
            {
                reply = await answered.Task.ConfigureAwait(false);
            }
        }
        else
        {
            reply = await answered.Task.ConfigureAwait(false);
        }
        var items = QueueReplies.Expect<QueueItems>(reply);
        if (items.Values.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
        // In the driver's own hands at once.
        store.Handle(new QueueSettle(name, _id, 1, 0), static _ => { });
        tasks.Got();
        return items.Values[0];
    }

    public void TaskDone()
    {
        // A disposed manager is the error to report, before whether this process may call it again.
        store.ThrowIfDisposed(name);
        writes?.Release();
        tasks.Done();
        try
        {
            Call<QueuePutDone>(new QueuePut(name, _id, Interlocked.Increment(ref _lastSeq), [], 1));
        }
        catch
        {
            // Not counted (the queue was deleted, or its manager disposed): still this process's to finish.
            tasks.Got();
            throw;
        }
    }

    public Task JoinAsync(CancellationToken cancellationToken) => CallAsync<QueueAck>(new QueueJoin(name), cancellationToken);

    public Task<QueueState> StatusAsync(CancellationToken cancellationToken) => CallAsync<QueueState>(new QueueStatus(name), cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task EndAsync(CancellationToken cancellationToken)
    {
        await AfterEarlierWritesAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync<QueueAck>(new QueueEnd(name), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A call that is answered at once (an unbounded queue's put): its failure is thrown here.</summary>
    private void Call<T>(IQueueRequest request)
    {
        object? answer = null;
        store.Handle(request, reply => answer = reply);
        if (answer is not null)
        {
            QueueReplies.Expect<T>(answer);
        }
    }

    private async Task<T> CallAsync<T>(IQueueRequest request, CancellationToken cancellationToken)
    {
        var answered = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Handle(request, reply => answered.TrySetResult(reply));
        return QueueReplies.Expect<T>(await answered.Task.WaitAsync(cancellationToken).ConfigureAwait(false));
    }
}
