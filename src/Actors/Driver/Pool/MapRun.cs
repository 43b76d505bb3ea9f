using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// One map from the caller's side: submits the job, runs the feeder, and hands finished chunks to the
/// caller in sequence order (or as they come). Chunks read from the input but not yet handed over
/// are bounded by tickets, which keeps a stream's memory flat whatever the input's length.
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
    private int _next;
    private long _done;
    private bool _finished;

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
        bool isApply = false)
    {
        var capacity = (processes * MapJob.MaxWindowFor(chunkSize)) + 2;
        _job = new MapJob(MapJob.NextId(), function, chunkSize, capacity, ordered) { IsApply = isApply, ItemTimeout = items.Timeout };
        _router = router;
        _ordered = ordered;
        _progress = progress;
        _total = total;
        _tickets = new SemaphoreSlim(capacity * 2);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        router.Tell(new SubmitMap(_job));
        _feeding = feed(new MapFeeder<TIn>(_job, router, chunkSize, maxPayloadBytes, _tickets), _stop.Token);
    }

    /// <summary>The next finished chunk, or <see langword="null"/> when the map is complete; throws the map's error.</summary>
    public async ValueTask<ChunkDone?> NextAsync(CancellationToken cancellationToken)
    {
        var reader = _job.Output.Reader;
        while (true)
        {
            if (_ordered && _waiting.Remove(_next, out var ready))
            {
                _next++;
                return Deliver(ready);
            }
            while (reader.TryRead(out var chunk))
            {
                if (!_ordered)
                {
                    return Deliver(chunk);
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

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _router.Tell(new CancelMap(_job.Id));
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _feeding.ConfigureAwait(false);
        _stop.Dispose();
        _tickets.Dispose();
    }

    private ChunkDone Deliver(ChunkDone chunk)
    {
        if (chunk.Error is not null)
        {
            _finished = true;
            throw chunk.Error;
        }
        _done += chunk.Count;
        _progress?.Report(new MapProgress(_done, _total));
        _tickets.Release();
        return chunk;
    }
}
