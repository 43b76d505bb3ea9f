using System.Threading.Channels;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// Reads a map's input on the caller's side, cuts it into chunks, encodes them and writes them into
/// the job's bounded input channel, so the input is read only as fast as chunks are dispatched. A
/// chunk that encodes larger than one message may carry is split; a single item that large fails the map.
/// </summary>
internal sealed class MapFeeder<TIn>(MapJob job, IActorRef router, int chunkSize, int maxPayloadBytes, SemaphoreSlim? tickets, long? maxValueBytes = null)
{
    private int _seq;
    private long _offset;

    public Task RunAsync(IEnumerable<TIn> items, CancellationToken cancellationToken) =>
        Task.Run(() => GuardAsync(() => items is IReadOnlyList<TIn> list ? FeedListAsync(list, cancellationToken) : FeedEnumerableAsync(items, cancellationToken)), CancellationToken.None);

    public Task RunAsync(IAsyncEnumerable<TIn> items, CancellationToken cancellationToken) =>
        Task.Run(() => GuardAsync(() => FeedAsync(items, cancellationToken)), CancellationToken.None);

    /// <summary>Feeds chunks cut by the caller (an Akka.Streams flow, which cuts them by demand), each split only if it is too large for one message.</summary>
    public Task RunAsync(ChannelReader<TIn[]> chunks, CancellationToken cancellationToken) =>
        Task.Run(() => GuardAsync(() => FeedChunksAsync(chunks, cancellationToken)), CancellationToken.None);

    private async Task GuardAsync(Func<Task> feed)
    {
        try
        {
            await feed().ConfigureAwait(false);
            job.Input.Writer.TryComplete();
        }
        catch (Exception exception)
        {
            // Not the map's end yet: the chunks read before the failure finish first, and the router
            // ends the map with this error once they have (Python's imap yields them, then raises).
            job.Input.Writer.TryComplete(exception);
        }
        router.Tell(new MapInputReady(job.Id));
    }

    private async Task FeedListAsync(IReadOnlyList<TIn> list, CancellationToken cancellationToken)
    {
        var array = list as TIn[];
        for (var start = 0; start < list.Count; start += chunkSize)
        {
            var count = Math.Min(chunkSize, list.Count - start);
            var chunk = array is not null ? array[start..(start + count)] : Slice(list, start, count);
            await EmitAsync(chunk, 0, count, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FeedEnumerableAsync(IEnumerable<TIn> items, CancellationToken cancellationToken)
    {
        var buffer = new List<TIn>(Math.Min(chunkSize, 4096));
        foreach (var item in items)
        {
            buffer.Add(item);
            await EmitIfFullAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        await EmitRestAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private async Task FeedAsync(IAsyncEnumerable<TIn> items, CancellationToken cancellationToken)
    {
        var buffer = new List<TIn>(Math.Min(chunkSize, 4096));
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            buffer.Add(item);
            await EmitIfFullAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        await EmitRestAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private async Task FeedChunksAsync(ChannelReader<TIn[]> chunks, CancellationToken cancellationToken)
    {
        await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await EmitAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask EmitIfFullAsync(List<TIn> buffer, CancellationToken cancellationToken) =>
        buffer.Count == chunkSize ? EmitRestAsync(buffer, cancellationToken) : ValueTask.CompletedTask;

    private async ValueTask EmitRestAsync(List<TIn> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Count == 0)
        {
            return;
        }
        var chunk = buffer.ToArray();
        buffer.Clear();
        await EmitAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
    }

    private async Task EmitAsync(TIn[] items, int start, int count, CancellationToken cancellationToken)
    {
        var slice = start == 0 && count == items.Length ? items : items[start..(start + count)];
        Encoded bytes;
        try
        {
            var first = _offset;
            bytes = ChunkCodec.EncodeItems(slice, "the map's items", index => $"item {first + index} of the map");
        }
        catch (Exception exception) when (exception is not (ActorParallelException or OutOfMemoryException))
        {
            // Reading an item threw: most often a collection that another thread changes while the map runs.
            var cause = exception is System.Reflection.TargetInvocationException { InnerException: { } thrown } ? thrown : exception;
            var which = count == 1 ? $"Item {_offset}" : $"One of items {_offset}-{_offset + count - 1}";
            throw new InvalidOperationException(
                $"{which} of the map could not be read to be sent to a worker: {cause.GetType().Name}: {cause.Message.TrimEnd('.')}. "
                + "Items are read when their chunk is sent, while the map runs: an item that other code changes meanwhile must be copied before the map.", cause);
        }
        if (bytes.Size > maxValueBytes && count == 1)
        {
            throw new MessageTooLargeException(
                $"Item {_offset} of the map encodes to {bytes.Size:N0} bytes, over the pool's cap of {maxValueBytes:N0} bytes ({nameof(PoolOptions)}.{nameof(PoolOptions.MaxValueBytes)}).");
        }
        if ((bytes.Size > maxPayloadBytes || bytes.Size > maxValueBytes) && count > 1)
        {
            // Batches stay under one message; an item larger on its own travels alone, in segments.
            var half = count / 2;
            await EmitAsync(items, start, half, cancellationToken).ConfigureAwait(false);
            await EmitAsync(items, start + half, count - half, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (tickets is not null)
        {
            await tickets.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        await job.Input.Writer.WriteAsync(new PendingChunk(_seq++, checked((int)_offset), count, bytes), cancellationToken).ConfigureAwait(false);
        _offset += count;
        job.WakeRouterIfStarved(router);
    }

    private static TIn[] Slice(IReadOnlyList<TIn> list, int start, int count)
    {
        var chunk = new TIn[count];
        for (var index = 0; index < count; index++)
        {
            chunk[index] = list[start + index];
        }
        return chunk;
    }
}
