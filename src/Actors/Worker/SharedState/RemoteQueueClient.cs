using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// A queue handle's client in a process other than the queue's driver: puts and <c>TaskDone</c>
/// calls batched by this process's <see cref="QueueWriter"/>, takes prefetched by its <see cref="QueueReader"/>,
/// everything else one request to the store through this process's shared-state channel. Items got (by
/// the reader) and <c>TaskDone</c> calls are counted on this process's <see cref="TaskAccount"/>.
/// </summary>
internal sealed class RemoteQueueClient(SharedStateNode node, string hostPath, string name, bool bounded) : IQueueClient
{
    /// <summary>How many items one take may bring to a consumer of an unbounded queue (a bounded queue's take brings one).</summary>
    public const int Prefetch = 256;

    private QueueWriter Writer => node.QueueWriter(hostPath, name, bounded);

    private TaskAccount? _tasks;

    private QueueReader Reader => node.QueueReader(hostPath, name, bounded ? 1 : Prefetch);

    private TaskAccount Tasks => _tasks ??= node.TaskAccount(hostPath, name);

    public void Put(byte[] value) => Writer.Put(value, null);

    public Task PutAsync(byte[] value, CancellationToken cancellationToken)
    {
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Writer.Put(value, ack);
        return ack.Task.WaitAsync(cancellationToken);
    }

    public async Task<bool> OfferAsync(byte[] value, long timeoutMs, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var reply = await node.AskAsync(hostPath, new QueueOffer(name, [value], timeoutMs), Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return QueueReplies.Expect<QueueOffered>(reply).Accepted;
    }

    public Task<byte[]?> TakeAsync(long timeoutMs, CancellationToken cancellationToken) => Reader.TakeAsync(timeoutMs, cancellationToken);

    public void TaskDone()
    {
        // A manager known to be disposed is the error to report, before whether this process may call it again.
        Writer.ThrowIfDisposed();
        Tasks.Done();
        try
        {
            Writer.TaskDone();
        }
        catch
        {
            // Not sent (the manager is disposed): still this process's to finish.
            Tasks.Got();
            throw;
        }
    }

    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        QueueReplies.Expect<QueueAck>(await node.AskAsync(hostPath, new QueueJoin(name), Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false));
    }

    public async Task<QueueState> StatusAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return QueueReplies.Expect<QueueState>(await node.RequestAsync<object>(hostPath, new QueueStatus(name), cancellationToken).ConfigureAwait(false));
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Writer.FlushAsync(cancellationToken);

    public async Task EndAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        QueueReplies.Expect<QueueAck>(await node.RequestAsync<object>(hostPath, new QueueEnd(name), cancellationToken).ConfigureAwait(false));
    }
}
