using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// A pool's streams of individually submitted <c>ApplyAsync</c> calls (<see cref="ApplyStream"/>), each
/// started with its first call: one for the pool's own settings, and a few more for calls with a
/// deadline of their own. A stream past half a map's sequence numbers is ended (it finishes its calls)
/// and a fresh one takes the later calls.
/// </summary>
internal sealed class ApplyStreams(IActorRef router, ItemSettings pool, CancellationToken poolEnded)
{
    /// <summary>How many deadlines calls batch by; calls with others run as maps of their own.</summary>
    private const int MaxStreams = 8;

    private readonly Dictionary<ItemSettings, ApplyStream> _streams = [];

    /// <summary>
    /// The stream for calls with these settings; <see langword="null"/> for a call with a retry policy
    /// of its own, or beyond <see cref="MaxStreams"/> deadlines: it runs as a map of its own.
    /// </summary>
    public ApplyStream? For(ItemSettings items)
    {
        if (!ReferenceEquals(items.Retry, pool.Retry))
        {
            return null;
        }
        lock (_streams)
        {
            if (_streams.TryGetValue(items, out var stream) && stream.Worn)
            {
                stream.Complete();
                _streams.Remove(items);
                stream = null;
            }
            if (stream is null && _streams.Count < MaxStreams)
            {
                _streams[items] = stream = new ApplyStream(router, items, poolEnded);
            }
            return stream;
        }
    }

    /// <summary>The pool is closed: every stream ends once the calls submitted to it have.</summary>
    public void CompleteAll()
    {
        lock (_streams)
        {
            foreach (var stream in _streams.Values)
            {
                stream.Complete();
            }
        }
    }
}
