using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// One map from the caller's side: submits the job, runs the feeder, and hands finished chunks to the
/// caller in sequence order (or as they come). Chunks read from the input but not yet handed over
/// are bounded by tickets, which keeps a stream's memory flat whatever the input's length. With a
/// retry policy, a chunk that failed runs again (<see cref="ChunkRetry"/>) while the rest of the map
/// goes on, and its final outcome takes its place: the map is complete only when every retry is done.
/// </summary>
internal sealed class MapRun<TIn> : IAsyncDisposable
{
    private readonly MapJob _job;
    private readonly IActorRef _router;
    private readonly bool _ordered;
    private readonly IProgress<MapProgress>? _progress;
    private readonly long? _total;
    private readonly SemaphoreSlim _tickets;
    private readonly CancellationTokenSource _stop;
    private readonly Dictionary<int, ChunkDone> _waiting = [];
    private readonly Task _feeding;
    private readonly ChannelReader<ChunkDone> _outcomes;
    private readonly Task _retrying;
    private readonly Activity? _activity;
    private readonly long _started = Stopwatch.GetTimestamp();
    private Exception? _error;
    private int _next;
    private long _done;
    private bool _finished;
    private readonly CancellationTokenRegistration _poolEnded;

    public MapRun(
        IActorRef router,
        int processes,
        int maxPayloadBytes,
        byte[] function,
        int chunkSize,
        bool ordered,
        IProgress<MapProgress>? progress,
        long? total,
        ItemSettings items,
        Func<MapFeeder<TIn>, CancellationToken, Task> feed,
        CancellationToken cancellationToken,
        CancellationToken poolEnded,
        bool isApply = false,
        bool chunksFailAlone = false)
    {
        var capacity = (processes * MapJob.MaxWindowFor(chunkSize)) + 2;
        // The call's span, on the caller's trace; its chunks' spans are its children, timed in the workers.
        _activity = Instruments.Source.StartActivity(isApply ? Instruments.ApplySpan : Instruments.MapSpan);
        if (_activity is { IsAllDataRequested: true } && !isApply)
        {
            _activity.SetTag("actorparallel.map.chunk_size", chunkSize);
            _activity.SetTag("actorparallel.map.items", total);
        }
        _job = new MapJob(MapJob.NextId(), function, chunkSize, capacity, ordered)
        {
            IsApply = isApply,
            ItemTimeout = items.Timeout,
            MaxValueBytes = items.MaxValueBytes,
            ChunksFailAlone = chunksFailAlone || items.Retry is not null,
            HasRetryPolicy = items.Retry is not null,
            TraceParent = _activity?.Id,
        };
        var retry = items.Retry is { } options ? new ChunkRetry(router, _job, options) : null;
        _router = router;
        _ordered = ordered;
        _progress = progress;
        _total = total;
        _tickets = new SemaphoreSlim(capacity * 2);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        router.Tell(new SubmitMap(_job));
        // A router that ended before the job reached it cannot fail it: the pool's end does.
        _poolEnded = poolEnded.Register(static job => ((MapJob)job!).Fail(new OperationCanceledException(PoolRouter.Ended)), _job);
        _feeding = feed(new MapFeeder<TIn>(_job, router, chunkSize, maxPayloadBytes, _tickets, items.MaxValueBytes), _stop.Token);
        if (retry is null)
        {
            _outcomes = _job.Output.Reader;
            _retrying = Task.CompletedTask;
        }
        else
        {
            var outcomes = Channel.CreateUnbounded<ChunkDone>(new UnboundedChannelOptions { SingleReader = true });
            _outcomes = outcomes.Reader;
            _retrying = RetryFailedAsync(retry, outcomes.Writer, _stop.Token);
        }
    }

    /// <summary>The next finished chunk, or <see langword="null"/> when the map is complete; throws the map's error.</summary>
    public ValueTask<ChunkDone?> NextAsync(CancellationToken cancellationToken) => NextAsync(throwChunkErrors: true, cancellationToken);

    /// <summary>
    /// As <see cref="NextAsync(CancellationToken)"/>, but a chunk that failed alone (a run started with
    /// <c>chunksFailAlone</c>) is returned with its <see cref="ChunkDone.Error"/>, for the caller to decide
    /// whether the map goes on; the map's own end with an error is still thrown.
    /// </summary>
    public ValueTask<ChunkDone?> NextOutcomeAsync(CancellationToken cancellationToken) => NextAsync(throwChunkErrors: false, cancellationToken);

    private async ValueTask<ChunkDone?> NextAsync(bool throwChunkErrors, CancellationToken cancellationToken)
    {
        var reader = _outcomes;
        try
        {
            while (true)
            {
                if (_ordered && _waiting.Remove(_next, out var ready))
                {
                    _next++;
                    return Deliver(ready, throwChunkErrors);
                }
                while (reader.TryRead(out var chunk))
                {
                    if (!_ordered)
                    {
                        return Deliver(chunk, throwChunkErrors);
                    }
                    _waiting[chunk.Seq] = chunk;
                    if (chunk.Seq == _next)
                    {
                        break;
                    }
                }
                if (_ordered && _waiting.ContainsKey(_next))
                {
                    continue;
                }
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    _finished = true;
                    return null;
                }
            }
        }
        catch (Exception error) when (Failed(error))
        {
            throw;
        }
    }

    /// <summary>Notes the map's error for its span; never catches it.</summary>
    private bool Failed(Exception error)
    {
        _error ??= error;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _router.Tell(new CancelMap(_job.Id));
        }
        await _poolEnded.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _feeding.ConfigureAwait(false);
        await _retrying.ConfigureAwait(false);
        _stop.Dispose();
        _tickets.Dispose();
        if (_activity is not null)
        {
            if (_error is not null)
            {
                _activity.SetStatus(ActivityStatusCode.Error, _error.Message);
                _activity.SetTag(Instruments.ErrorTypeTag, _error.GetType().FullName);
            }
            _activity.Dispose();
        }
    }

    private ChunkDone Deliver(ChunkDone chunk, bool throwChunkErrors)
    {
        if (chunk.Error is not null && !throwChunkErrors && _job.ChunksFailAlone)
        {
            // The caller goes on past it: its ticket is free for the next chunk.
            _tickets.Release();
            return chunk;
        }
        if (chunk.Error is not null)
        {
            // A chunk that fails alone leaves the rest of its map running: disposing the run cancels it.
            _finished = !_job.ChunksFailAlone;
            throw chunk.Error;
        }
        _done += chunk.Count;
        _progress?.Report(new MapProgress(_done, _total) { Elapsed = Stopwatch.GetElapsedTime(_started) });
        _tickets.Release();
        return chunk;
    }

    /// <summary>
    /// Passes the map's finished chunks on to <paramref name="outcomes"/>, except retryable failures,
    /// which run again concurrently and pass on their final outcome instead. Completes
    /// <paramref name="outcomes"/> as the map's output completed, once every retry is done. Never throws.
    /// </summary>
    private async Task RetryFailedAsync(ChunkRetry retry, ChannelWriter<ChunkDone> outcomes, CancellationToken cancellationToken)
    {
        var retries = new List<Task>();
        Exception? end = null;
        try
        {
            await foreach (var chunk in _job.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (chunk.Retryable is null)
                {
                    outcomes.TryWrite(chunk);
                    continue;
                }
                retries.RemoveAll(task => task.IsCompleted);
                retries.Add(PassOnAsync(retry.RunAsync(chunk, cancellationToken), outcomes));
            }
        }
        catch (Exception error)
        {
            end = error;
        }
        await Task.WhenAll(retries).ConfigureAwait(false);
        outcomes.TryComplete(end);
    }

    private static async Task PassOnAsync(Task<ChunkDone> retrying, ChannelWriter<ChunkDone> outcomes)
    {
        try
        {
            outcomes.TryWrite(await retrying.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The call was given up: nobody waits for this chunk any more.
        }
    }
}
