using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// How a queue handle reaches its queue: straight into the store in the driver that holds it
/// (<c>Driver/SharedState/LocalQueueClient</c>), or through this process's shared-state channel
/// with batched puts and prefetched takes (<see cref="RemoteQueueClient"/>). Items are encoded already.
/// </summary>
internal interface IQueueClient
{
    /// <summary>Puts without waiting (an unbounded queue's <c>put</c>): stored before this process reports back to its driver.</summary>
    void Put(byte[] value);

    /// <summary>Puts and completes once the store has the item (on a bounded queue, once there was room).</summary>
    Task PutAsync(byte[] value, CancellationToken cancellationToken);

    /// <summary>Puts if there is room within <paramref name="timeoutMs"/> (0: now; -1: no limit), after this process's earlier puts; whether it went in.</summary>
    Task<bool> OfferAsync(byte[] value, long timeoutMs, CancellationToken cancellationToken);

    /// <summary>The next item, or <see langword="null"/> when none came within <paramref name="timeoutMs"/> (0: none there now; -1: no limit).</summary>
    Task<byte[]?> TakeAsync(long timeoutMs, CancellationToken cancellationToken);

    /// <summary>Counts one finished item (Python's <c>task_done</c>).</summary>
    void TaskDone();

    /// <summary>Completes once every item put has been counted finished, after this process's own puts and <c>TaskDone</c> calls.</summary>
    Task JoinAsync(CancellationToken cancellationToken);

    /// <summary>The queue's counts, after this process's own puts.</summary>
    Task<QueueState> StatusAsync(CancellationToken cancellationToken);

    /// <summary>Completes once this process's puts and <c>TaskDone</c> calls are stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>After this process's puts, says no more items will come: once empty, takes end (a pipe end's close).</summary>
    Task EndAsync(CancellationToken cancellationToken);
}

/// <summary>What the clients share: turning the store's failure answers into exceptions.</summary>
internal static class QueueReplies
{
    /// <summary><paramref name="reply"/> as a <typeparamref name="T"/>, or the exception it stands for.</summary>
    /// <exception cref="ObjectDisposedException">The queue's manager is disposed.</exception>
    /// <exception cref="InvalidOperationException">The queue was deleted.</exception>
    /// <exception cref="EndOfStreamException">The queue (a pipe's direction) has ended and is empty.</exception>
    public static T Expect<T>(object reply) => reply switch
    {
        T expected => expected,
        QueueFailed failed => throw new InvalidOperationException(failed.Error),
        QueueEnded ended => throw new EndOfStreamException($"'{ended.Queue}' has ended: the other end of the pipe was closed or its process is gone, and everything it sent has been received (Python's EOFError)."),
        ManagerDisposed disposed => throw SharedStateNode.DisposedError(disposed.Manager, disposed.Object),
        _ => throw new WireFormatException($"Unexpected answer {reply.GetType().Name} from a queue store; expected {Serialization.TypeNames.Readable(typeof(T))}."),
    };
}
