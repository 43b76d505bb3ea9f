using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>The compute thread's batches: each chunk run, its results flushed to the router as they come.</summary>
internal sealed partial class ChunkExecutor
{
    private void RunBatch(RunChunks batch, BatchCursor cursor, IActorRef router)
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
        var results = _pending.Begin(batch.MapId, router, batch.Chunks.Length);
        var segments = new List<ChunkPayload>(1);
        // A traced map's batch carries its context once; a batch of traced calls, one per chunk, in the chunks' order.
        var everyChunk = !batch.Traces.IsDefault && batch.Traces is [{ Seq: ChunkTrace.EveryChunk } all] ? all.TraceParent : null;
        var traceIndex = 0;
        for (var index = 0; index < batch.Chunks.Length; index++)
        {
            var chunk = batch.Chunks[index];
            var traceParent = everyChunk;
            if (traceParent is null && !batch.Traces.IsDefaultOrEmpty && traceIndex < batch.Traces.Length && batch.Traces[traceIndex].Seq == chunk.Seq)
            {
                traceParent = batch.Traces[traceIndex++].TraceParent;
            }
            if (_overBudget || IsAbandoned(batch.MapId))
            {
                return;
            }
            if (!cursor.TryStart(index))
            {
                // The rest of the batch was given back: another worker runs it.
                break;
            }
            _pending.ChunkStarting();
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
                Flush();
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
            bool byReference;
            var finished = Stopwatch.GetTimestamp();
            lock (_pending)
            {
                byReference = false;
                foreach (var segment in segments)
                {
                    // One message must stay under the frame: send what is pending before it would not.
                    if (_pending.Bytes + segment.Items.Size > _maxPayloadBytes)
                    {
                        Flush();
                    }
                    results.Add(segment);
                    _pending.Added(segment.Items.Size, finished);
                    byReference |= segment.Items.Blocks.Length > 0;
                }
            }
            // A result's large arrays are held by reference, not copied: they go now, before the function
            // runs again and perhaps refills the array it returned (Python pickles a chunk's results when
            // the chunk ends, too). Within one chunk, results share what they share, as in Python.
            if (byReference || finished - _pending.LastFlush > FlushTicks)
            {
                var over = OverMemoryBudget(router);
                Flush();
                if (over)
                {
                    return;
                }
            }
        }
        OverMemoryBudget(router);
        Flush();
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

    /// <summary>Sends the results pending (with the spans of the chunks that finished), from the compute thread.</summary>
    private void Flush()
    {
        lock (_pending)
        {
            Send(_pending, Stopwatch.GetTimestamp(), withSpans: true);
        }
    }

    /// <summary>
    /// From the flusher's timer: results that have waited <see cref="PendingResults.HoldLimitTicks"/> while
    /// the compute thread is inside a later chunk go now, so a chunk that is long (or never returns) does
    /// not hold back the results of those that finished before it in the same batch.
    /// </summary>
    private void FlushHeldResults()
    {
        try
        {
            lock (_pending)
            {
                _pending.FlusherFired();
                if (_pending.Results is not { Count: > 0 })
                {
                    return;
                }
                var waited = Stopwatch.GetTimestamp() - _pending.LastAdded;
                if (waited >= PendingResults.HoldLimitTicks)
                {
                    // The compute time they took is up to the last one's end, not the chunk running now.
                    Send(_pending, _pending.LastAdded, withSpans: false);
                }
                else
                {
                    // A result came after the timer was armed: looked at again once it too has waited, since
                    // the compute thread, inside a chunk that may never end, would not arm it again.
                    _pending.ArmAgain(PendingResults.HoldLimitTicks - waited);
                }
            }
        }
        catch (Exception exception)
        {
            // The worker's own code failed (a shared write's flush, the send): the compute thread's next flush tries again.
            WorkerLog.Warning("results held behind a long chunk could not be sent early: {Reason}", exception.Message);
        }
    }

    /// <summary>Sends what <paramref name="pending"/> holds (the caller holds its lock); the compute time counted ends at <paramref name="now"/>.</summary>
    private void Send(PendingResults pending, long now, bool withSpans)
    {
        var (mapId, results, router) = (pending.MapId, pending.Results!, pending.Router!);
        var lastFlush = pending.LastFlush;
        pending.Flushed(now);
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
                if (withSpans)
                {
                    _spans.Clear();
                }
                return;
            }
            var micros = Math.Max(0, now - lastFlush) * 1_000_000 / Stopwatch.Frequency;
            ImmutableArray<ChunkSpan> spans = !withSpans || _spans.Count == 0 ? default : [.. _spans];
            if (withSpans)
            {
                _spans.Clear();
            }
            var payloads = results.DrainToImmutable();
            Reply(new ChunkResults(mapId, _sendCopies ? payloads : OwnArrays(payloads), micros, spans), router);
        }
    }

    /// <summary>
    /// The results with copies of the arrays they hold by reference, for a send that reads them later:
    /// the function may refill the arrays it returned as soon as it runs again.
    /// </summary>
    private static ImmutableArray<ChunkPayload> OwnArrays(ImmutableArray<ChunkPayload> payloads)
    {
        if (payloads.All(payload => payload.Items.Blocks.Length == 0))
        {
            return payloads;
        }
        return [.. payloads.Select(payload => payload.Items.Blocks.Length == 0
            ? payload
            : payload with { Items = new Encoded(payload.Items.Bytes, [.. payload.Items.Blocks.Select(block => (Array)block.Clone())]) })];
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
}
