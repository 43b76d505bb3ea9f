using System.Buffers.Binary;
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
/// one, so the router can refill the worker while it is still busy.
/// </summary>
internal sealed class ChunkExecutor : IDisposable
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

    /// <summary>The tokens of maps whose function takes one, cancelled the moment their map is given up; <see langword="null"/> until such a map comes.</summary>
    private ConcurrentDictionary<long, CancellationTokenSource>? _cancellations;
    private readonly Action<object, IActorRef> _send;
    private readonly Thread _thread;

    private readonly int _maxPayloadBytes;

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
    public ChunkExecutor(Action<object, IActorRef> send, int maxPayloadBytes)
    {
        _send = send;
        _maxPayloadBytes = maxPayloadBytes;
        _thread = new Thread(Loop) { IsBackground = true, Name = "actorparallel-compute" };
        _thread.Start();
    }

    /// <summary>Takes a pool protocol message from the router (work, an abandoned map, the warm-up); <see langword="false"/> for anything else.</summary>
    public bool TryAccept(object message, IActorRef router)
    {
        switch (message)
        {
            case RunChunks or Protocol.RunInitializer or PinComputeThread:
                _queue.Add(new Work(message, router));
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
            var (message, router) = item;
            try
            {
                Handle(message, router);
            }
            catch (Exception exception)
            {
                // The worker's own code failed around the user's (encoding a reply, a shared write's flush):
                // the work's error, reported where it can be, never the end of this thread and its process.
                ReportUnexpected(message, exception, router);
            }
        }
    }

    private void Handle(object message, IActorRef router)
    {
        switch (message)
        {
            case RunChunks batch:
                RunBatch(batch, router);
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
            RunBatch((RunChunks)Protocol.DirectLink.RoundTrip(batch), ActorRefs.Nobody);
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

    private void RunBatch(RunChunks batch, IActorRef router)
    {
        if (IsAbandoned(batch.MapId))
        {
            return;
        }
        if (!TryGetRunner(batch, router, out var runner))
        {
            return;
        }
        var deadline = DeadlineOf(batch, router);
        var results = ImmutableArray.CreateBuilder<ChunkPayload>(batch.Chunks.Length);
        var segments = new List<ChunkPayload>(1);
        var pendingBytes = 0L;
        var lastFlush = Stopwatch.GetTimestamp();
        // A traced map's batch carries its context once; a batch of traced calls, one per chunk, in the chunks' order.
        var everyChunk = !batch.Traces.IsDefault && batch.Traces is [{ Seq: ChunkTrace.EveryChunk } all] ? all.TraceParent : null;
        var traceIndex = 0;
        foreach (var chunk in batch.Chunks)
        {
            var traceParent = everyChunk;
            if (traceParent is null && !batch.Traces.IsDefaultOrEmpty && traceIndex < batch.Traces.Length && batch.Traces[traceIndex].Seq == chunk.Seq)
            {
                traceParent = batch.Traces[traceIndex++].TraceParent;
            }
            if (_overBudget || IsAbandoned(batch.MapId))
            {
                return;
            }
            if (Volatile.Read(ref _abandonedChunks) is { IsEmpty: false } abandonedChunks && abandonedChunks.TryRemove((batch.MapId, chunk.Seq), out _))
            {
                Reply(new AbandonChunk(batch.MapId, chunk.Seq), router);
                continue;
            }
            var span = traceParent is null ? null : StartSpan(traceParent);
            try
            {
                segments.Clear();
                runner.Run(chunk, _maxPayloadBytes, segments, deadline, batch.MaxResultBytes);
            }
            catch (Exception exception)
            {
                var failedSpan = span is null ? null : EndSpan(span, chunk.Seq, failed: true);
                Flush(batch.MapId, results, ref lastFlush, router);
                pendingBytes = 0;
                var itemIndex = exception is ChunkItemException item ? item.ItemIndex : -1;
                var cause = exception is ChunkItemException { InnerException: { } inner } ? inner : exception;
                Reply(new ChunkFailed(batch.MapId, chunk.Seq, itemIndex, RemoteError.From(cause), failedSpan), router);
                // The batch's other chunks still run: a map whose chunks fail alone goes on, and one
                // that ends with this failure is abandoned, which the check above sees.
                continue;
            }
            if (span is not null)
            {
                _spans.Add(EndSpan(span, chunk.Seq, failed: false));
            }
            foreach (var segment in segments)
            {
                // One message must stay under the frame: send what is pending before it would not.
                if (pendingBytes + segment.Items.Size > _maxPayloadBytes)
                {
                    Flush(batch.MapId, results, ref lastFlush, router);
                    pendingBytes = 0;
                }
                results.Add(segment);
                pendingBytes += segment.Items.Size;
            }
            if (Stopwatch.GetTimestamp() - lastFlush > FlushTicks)
            {
                var over = OverMemoryBudget(router);
                Flush(batch.MapId, results, ref lastFlush, router);
                pendingBytes = 0;
                if (over)
                {
                    return;
                }
            }
        }
        OverMemoryBudget(router);
        Flush(batch.MapId, results, ref lastFlush, router);
    }

    /// <summary>
    /// Checked after chunks have run, just before their results are sent (at most every half
    /// millisecond, and at the end of a batch): a worker above its memory budget says so once and runs
    /// nothing more. Said before the results, the router has decided the recycle by the time the map
    /// they finish returns to its caller.
    /// </summary>
    private bool OverMemoryBudget(IActorRef router)
    {
        if (_overBudget)
        {
            return true;
        }
        if (_warmingUp || _memoryBudget is not { } budget || budget.Exceeded() is not { } resident)
        {
            return false;
        }
        _overBudget = true;
        Reply(new MemoryOverBudget(resident, budget.Bytes), router);
        return true;
    }

    private bool TryGetRunner(RunChunks batch, IActorRef router, out ChunkRunner runner)
    {
        if (_runners.TryGetValue(batch.MapId, out runner!))
        {
            return true;
        }
        try
        {
            if (batch.Function is null)
            {
                throw new InvalidOperationException($"Map {batch.MapId} arrived without its function.");
            }
            var function = ValueCodec.Decode(batch.Function) as Delegate
                ?? throw new WireFormatException("A map's function must be a delegate.");
            var cancellation = CancellationToken.None;
            if (ChunkRunner.TakesToken(function))
            {
                var source = new CancellationTokenSource();
                LazyInitializer.EnsureInitialized(ref _cancellations)[batch.MapId] = source;
                cancellation = source.Token;
                if (IsAbandoned(batch.MapId))
                {
                    source.Cancel();
                }
            }
            runner = ChunkRunner.Create(function, cancellation);
            _runners[batch.MapId] = runner;
            return true;
        }
        catch (Exception exception)
        {
            Reply(new ChunkFailed(batch.MapId, batch.Chunks[0].Seq, -1, RemoteError.From(exception)), router);
            return false;
        }
    }

    /// <summary>The watchdog for a batch whose map has a deadline per item (started with the first such map); <see langword="null"/> for none.</summary>
    private ItemDeadline? DeadlineOf(RunChunks batch, IActorRef router)
    {
        if (batch.ItemTimeout is not { } timeout || _warmingUp)
        {
            return null;
        }
        _watchedRouter = router;
        _watchdog ??= new ItemWatchdog(overdue => _send(overdue, _watchedRouter));
        return new ItemDeadline(_watchdog, batch.MapId, timeout);
    }

    private void Flush(long mapId, ImmutableArray<ChunkPayload>.Builder results, ref long lastFlush, IActorRef router)
    {
        var now = Stopwatch.GetTimestamp();
        if (results.Count > 0)
        {
            // A result is reported only after the shared writes that produced it are acknowledged.
            try
            {
                Workers.SharedStateNode.FlushThisProcess();
            }
            catch (Exception exception)
            {
                // Those results cannot be vouched for: each of their chunks fails with the flush's error
                // (one by one: in a map whose chunks fail alone, each is waited for).
                var error = RemoteError.From(exception);
                foreach (var seq in results.Select(result => result.Seq).Distinct().ToList())
                {
                    Reply(new ChunkFailed(mapId, seq, -1, error), router);
                }
                results.Clear();
                _spans.Clear();
                lastFlush = now;
                return;
            }
            var micros = (now - lastFlush) * 1_000_000 / Stopwatch.Frequency;
            ImmutableArray<ChunkSpan> spans = _spans.Count == 0 ? default : [.. _spans];
            _spans.Clear();
            Reply(new ChunkResults(mapId, results.DrainToImmutable(), micros, spans), router);
        }
        lastFlush = now;
    }

    /// <summary>
    /// The chunk's span in this process, a child of its caller's map: the function sees it as
    /// <see cref="Activity.Current"/> (its own spans and logs join the caller's trace). No exporter
    /// runs here: the driver records it from what <see cref="EndSpan"/> returns.
    /// </summary>
    private static Activity StartSpan(string traceParent) =>
        new Activity(ChunkSpan.ActivityName).SetParentId(traceParent).Start();

    private static ChunkSpan EndSpan(Activity span, int seq, bool failed)
    {
        span.Stop();
        Span<byte> id = stackalloc byte[8];
        span.SpanId.CopyTo(id);
        return new ChunkSpan(seq, BinaryPrimitives.ReadInt64BigEndian(id), span.StartTimeUtc.Ticks, span.Duration.Ticks, failed);
    }

    private bool IsAbandoned(long mapId) => _abandoned.Contains(mapId);

    /// <summary>A message for the compute thread and the router it came from.</summary>
    private sealed record Work(object Message, IActorRef Router);
}
