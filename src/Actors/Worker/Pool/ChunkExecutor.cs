using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// The compute thread of a pool worker. Batches of chunks queue here in arrival order; results go
/// straight back to the router, flushed at the end of each batch and every half millisecond inside
/// one (and by a timer when a later chunk of the batch keeps the thread longer: <see cref="PendingResults"/>),
/// so the router can refill the worker while it is still busy. Chunks not yet started can be given back
/// (<see cref="ReclaimChunks"/>).
/// </summary>
internal sealed partial class ChunkExecutor : IDisposable
{
    private static readonly long FlushTicks = Stopwatch.Frequency / 2000;

    /// <summary>How long the compute thread waits for work before it trims the worker's working set.</summary>
    private static readonly TimeSpan IdleBeforeTrim = Timeouts.IdleBeforeTrim;

    // The queue's items are a class, and the dictionaries below are made when first needed: the framework's
    // concurrent collections are precompiled for reference types only, and each instantiation over a value
    // type is JIT-compiled in every worker as it starts (~15 methods each, ~60 in all, measured).
    private readonly BlockingCollection<Work> _queue = new();

    /// <summary>Maps given up (each map's end gives it up: its function is forgotten).</summary>
    private readonly MapIds _abandoned = new();

    /// <summary>Single chunks given up (cancelled <c>ApplyAsync</c> calls) that are skipped if they have not started; <see langword="null"/> until one is.</summary>
    private ConcurrentDictionary<(long MapId, int Seq), byte>? _abandonedChunks;
    private readonly Dictionary<long, ChunkRunner> _runners = [];

    /// <summary>The results of the batch running, not yet sent (guarded by itself: the flusher's timer sends them too).</summary>
    private readonly PendingResults _pending;

    /// <summary>The batches queued or running here, which a reclaim may cut (guarded by itself).</summary>
    private readonly List<BatchCursor> _held = [];

    /// <summary>The tokens of maps whose function takes one, cancelled the moment their map is given up; <see langword="null"/> until such a map comes.</summary>
    private ConcurrentDictionary<long, CancellationTokenSource>? _cancellations;
    private readonly Action<object, IActorRef> _send;
    private readonly Thread _thread;

    private readonly int _maxPayloadBytes;

    private readonly bool _sendCopies;

    /// <summary>Compute thread only: spans of traced chunks that finished, sent with the next results.</summary>
    private readonly List<ChunkSpan> _spans = [];

    /// <summary>Started with the first map that has a deadline per item.</summary>
    private ItemWatchdog? _watchdog;

    /// <summary>The router of the batch whose items the watchdog watches.</summary>
    private volatile IActorRef _watchedRouter = ActorRefs.Nobody;

    /// <summary>Set on the compute thread while the warm-up runs: its replies go nowhere.</summary>
    private bool _warmingUp;

    /// <summary>The pool's memory budget for this worker, if it has one (<see cref="SetMemoryBudget"/>).</summary>
    private volatile MemoryBudget? _memoryBudget;

    /// <summary>Above its memory budget: it has said so, and runs no more chunks (the router sends them elsewhere).</summary>
    private volatile bool _overBudget;

    /// <param name="send">Sends a reply to the router that sent the work (over remoting, or the direct link).</param>
    /// <param name="maxPayloadBytes">The most bytes of results one reply may carry.</param>
    /// <param name="sendCopies">
    /// Whether <paramref name="send"/> has copied the message, its large arrays included, when it returns
    /// (the direct link writes it to its socket there and then); otherwise (remoting serializes later,
    /// on its own threads) the arrays a result holds by reference are copied before it is handed over.
    /// </param>
    public ChunkExecutor(Action<object, IActorRef> send, int maxPayloadBytes, bool sendCopies)
    {
        _send = send;
        _maxPayloadBytes = maxPayloadBytes;
        _sendCopies = sendCopies;
        _pending = new PendingResults(FlushHeldResults);
        _thread = new Thread(Loop) { IsBackground = true, Name = "actorparallel-compute" };
        _thread.Start();
    }

    /// <summary>Takes a pool protocol message from the router (work, an abandoned map, the warm-up); <see langword="false"/> for anything else.</summary>
    public bool TryAccept(object message, IActorRef router)
    {
        switch (message)
        {
            case RunChunks batch:
                var cursor = new BatchCursor(batch);
                lock (_held)
                {
                    _held.Add(cursor);
                }
                _queue.Add(new Work(message, router, cursor));
                return true;
            case Protocol.RunInitializer or PinComputeThread:
                _queue.Add(new Work(message, router));
                return true;
            case ReclaimChunks:
                Reclaim(router);
                return true;
            case AbandonMap abandon:
                Abandon(abandon.MapId, router);
                return true;
            case AbandonChunk abandonChunk:
                LazyInitializer.EnsureInitialized(ref _abandonedChunks)[(abandonChunk.MapId, abandonChunk.Seq)] = 0;
                return true;
            case PrepareToServe:
                WarmUp();
                return true;
            case SetMemoryBudget budget:
                _memoryBudget = MemoryBudget.OfThisProcess(budget.Bytes);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Gives back every chunk held here that has not started (the router deals them to an idle worker):
    /// each batch is cut where the compute thread stands, so a chunk is either run here or given back,
    /// never both. Answered at once, from the thread that reads the router's messages, even while the
    /// compute thread is inside a chunk that does not return.
    /// </summary>
    private void Reclaim(IActorRef router)
    {
        var mapIds = ImmutableArray.CreateBuilder<long>();
        var seqs = ImmutableArray.CreateBuilder<int>();
        lock (_held)
        {
            foreach (var cursor in _held)
            {
                var chunks = cursor.Batch.Chunks;
                for (var index = cursor.Reclaim(); index < chunks.Length; index++)
                {
                    mapIds.Add(cursor.Batch.MapId);
                    seqs.Add(chunks[index].Seq);
                }
            }
        }
        _send(new ChunksReclaimed(mapIds.ToImmutable(), seqs.ToImmutable()), router);
    }

    /// <summary>
    /// Queued chunks of the map are skipped from now on, and its function is forgotten. Once the compute
    /// thread reaches this point in its queue (after the chunk it may be running now), nothing of the map
    /// runs any more, and the router is told so with the same message: until then it counts the worker busy.
    /// </summary>
    private void Abandon(long mapId, IActorRef router)
    {
        _abandoned.Add(mapId);
        if (Volatile.Read(ref _cancellations) is { } cancellations && cancellations.TryGetValue(mapId, out var cancellation))
        {
            // A function that takes a token is asked to stop now, while it runs; the others end their item.
            try
            {
                cancellation.Cancel();
            }
            catch (Exception exception)
            {
                // A callback registered by the user's function threw: the map is given up all the same.
                WorkerLog.Warning("a cancellation callback of map {MapId} threw: {Reason}", mapId, exception.Message);
            }
        }
        _queue.Add(new Work(new AbandonMap(mapId), router));
    }

    /// <summary>Runs a tiny chunk through the whole path on the compute thread, ahead of real work (see <see cref="PrepareToServe"/>).</summary>
    private void WarmUp() => _queue.Add(new Work(PrepareToServe.Instance, ActorRefs.Nobody));

    public void Dispose()
    {
        _queue.CompleteAdding();
        _watchdog?.Dispose();
        _pending.Dispose();
    }

    private void Loop()
    {
        var trimmed = false;
        while (!_queue.IsCompleted)
        {
            if (!_queue.TryTake(out var item, trimmed ? Timeout.InfiniteTimeSpan : IdleBeforeTrim))
            {
                if (!_queue.IsAddingCompleted)
                {
                    // Idle: give the memory back until work comes again.
                    WorkingSet.Trim();
                    trimmed = true;
                }
                continue;
            }
            trimmed = false;
            var (message, router, cursor) = item;
            try
            {
                Handle(message, router, cursor);
            }
            catch (Exception exception)
            {
                // The worker's own code failed around the user's (encoding a reply, a shared write's flush):
                // the work's error, reported where it can be, never the end of this thread and its process.
                ReportUnexpected(message, exception, router);
            }
        }
    }

    private void Handle(object message, IActorRef router, BatchCursor? cursor)
    {
        switch (message)
        {
            case RunChunks batch:
                try
                {
                    RunBatch(batch, cursor!, router);
                }
                finally
                {
                    lock (_held)
                    {
                        _held.Remove(cursor!);
                    }
                }
                break;
            case RunInitializer initializer:
                RunInitializer(initializer, router);
                break;
            case AbandonMap abandon:
                _runners.Remove(abandon.MapId);
                if (Volatile.Read(ref _cancellations) is { } cancellations && cancellations.TryRemove(abandon.MapId, out var cancellation))
                {
                    cancellation.Dispose();
                }
                Reply(abandon, router);
                break;
            case PinComputeThread pin:
                // Best effort: a CPU this process may not use leaves the thread where it was.
                CpuAffinity.PinCurrentThread(pin.Cpu);
                break;
            case PrepareToServe when _queue.Count == 0:
                // Idle: run the chunk path once so the first real chunk finds it compiled. When
                // work is already waiting, that work does the same, and waiting for a warm-up would only delay it.
                WarmUpChunkPath();
                break;
        }
    }

    private void ReportUnexpected(object message, Exception exception, IActorRef router)
    {
        var error = RemoteError.From(exception);
        try
        {
            switch (message)
            {
                case RunChunks { Chunks.Length: > 0 } batch:
                    Reply(new ChunkFailed(batch.MapId, batch.Chunks[0].Seq, -1, error), router);
                    break;
                case Protocol.RunInitializer:
                    Reply(new InitializerFailed(error), router);
                    break;
                default:
                    WorkerLog.Error("{MessageType} failed: {Error}", message.GetType().Name, error);
                    break;
            }
        }
        catch (Exception)
        {
            // Nowhere left to report it; the worker carries on with the next message.
        }
    }

    /// <summary>
    /// Sends a tiny map through exactly what a real one goes through - a serialized batch with its
    /// function, the function's decoding, a typed runner, results flushed - to nobody. Map ids are
    /// positive, so the warm-up's cannot meet a real map.
    /// </summary>
    private void WarmUpChunkPath()
    {
        const long warmUpMapId = -1;
        var function = ValueCodec.Encode(new Func<int, int>(WarmUpFunction), "the warm-up function");
        var batch = new RunChunks(warmUpMapId, function, [new ChunkPayload(0, 0, 2, ChunkCodec.EncodeItems(new[] { 1, 2 }, "warm-up items"))]);
        _warmingUp = true;
        try
        {
            var travelled = (RunChunks)Protocol.DirectLink.RoundTrip(batch);
            RunBatch(travelled, new BatchCursor(travelled), ActorRefs.Nobody);
        }
        finally
        {
            _warmingUp = false;
        }
        _runners.Remove(warmUpMapId);
    }

    private static int WarmUpFunction(int x) => x + 1;

    private void Reply(object message, IActorRef router)
    {
        if (!_warmingUp)
        {
            _send(message, router);
        }
    }

    private void RunInitializer(RunInitializer initializer, IActorRef router)
    {
        try
        {
            ShippedCall.Invoke(initializer.Call);
        }
        catch (Exception exception)
        {
            Reply(new InitializerFailed(RemoteError.From(exception)), router);
        }
    }

    private bool IsAbandoned(long mapId) => _abandoned.Contains(mapId);

    /// <summary>A message for the compute thread, the router it came from, and a batch's cursor.</summary>
    private sealed record Work(object Message, IActorRef Router, BatchCursor? Cursor = null);

    /// <summary>
    /// How far the compute thread has got in one batch, and whether a reclaim cut it: one word, the
    /// index of the next chunk to start, with <see cref="CutBit"/> set once the rest was given back.
    /// Starting a chunk and cutting the batch are each one compare-and-swap of it, so exactly one wins.
    /// </summary>
    private sealed class BatchCursor(RunChunks batch)
    {
        private const int CutBit = 1 << 30;
        private int _state;

        public RunChunks Batch => batch;

        /// <summary>Claims chunk <paramref name="index"/> for the compute thread; <see langword="false"/> when the batch was cut before it.</summary>
        public bool TryStart(int index) => Interlocked.CompareExchange(ref _state, index + 1, index) == index;

        /// <summary>Cuts the batch: the index of the first chunk given back (the batch's length when none is, or it was cut before).</summary>
        public int Reclaim()
        {
            while (true)
            {
                var state = Volatile.Read(ref _state);
                if ((state & CutBit) != 0)
                {
                    return batch.Chunks.Length;
                }
                if (Interlocked.CompareExchange(ref _state, state | CutBit, state) == state)
                {
                    return state;
                }
            }
        }
    }
}
