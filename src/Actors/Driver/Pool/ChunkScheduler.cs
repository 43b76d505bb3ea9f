using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// The router's maps and what becomes of their chunks: dealt to workers (<see cref="ChunkDealer"/>),
/// finished, failed, timed out, cancelled, lost with a worker. A chunk on a worker that died among
/// others is a suspect and runs again alone; one that died alone too often fails its map. An ordered
/// map fails where its failed chunk stands, after every chunk before it; a map whose chunks fail
/// alone hands each failure to its caller and goes on.
/// </summary>
internal sealed partial class ChunkScheduler(PoolSettings settings, WorkerSlots slots, IRouterActions router)
{
    private readonly List<MapJob> _jobs = [];
    private readonly Dictionary<long, MapJob> _jobsById = [];
    private readonly ChunkDealer _dealer = new(settings, router);
    private readonly KeyValuePair<string, object?> _poolTag = new(Instruments.PoolNameTag, settings.Name);
    private long _backlogReported;

    /// <summary>Maps running: submitted and not yet complete, failed or cancelled.</summary>
    public IReadOnlyList<MapJob> Jobs => _jobs;

    public void Submit(MapJob job)
    {
        if (job.IsRetry)
        {
            Instruments.ChunksRetried.Add(1, _poolTag, Instruments.RetriedByPolicy);
        }
        _jobs.Add(job);
        _jobsById[job.Id] = job;
        Dispatch();
    }

    /// <summary>A map that was waiting for input has some (or its input is complete).</summary>
    public void InputReady(long mapId)
    {
        if (_jobsById.TryGetValue(mapId, out var job))
        {
            CompleteIfDone(job);
        }
        Dispatch();
    }

    /// <summary>The caller gave up on the map: its chunks are abandoned wherever they are.</summary>
    public void Cancel(long mapId)
    {
        if (_jobsById.TryGetValue(mapId, out var job))
        {
            RemoveJob(job);
            Dispatch();
        }
    }

    /// <summary>
    /// The caller gave up on one chunk of a map that goes on: it is not dispatched any more. Returns the
    /// worker running it, if one is, which gets the grace period to finish it before it is killed.
    /// </summary>
    public WorkerSlot? CancelChunk(long mapId, int seq)
    {
        if (!_jobsById.TryGetValue(mapId, out var job) || job.HasFinished(seq) || !job.Cancelled.Add(seq))
        {
            return null;
        }
        return slots.All.FirstOrDefault(slot => slot.InFlight.ContainsKey((mapId, seq)));
    }

    /// <summary>Ends every map with an error (the pool is terminating or broken).</summary>
    public void FailAll(Func<Exception> error)
    {
        foreach (var job in _jobs.ToList())
        {
            job.Fail(error());
            RemoveJob(job);
        }
    }

    public void Dispatch()
    {
        // Dispatching moves chunks from input to workers, which leaves the backlog as it is: reported once here.
        ReportBacklog();
        if (_jobs.Count == 0)
        {
            return;
        }
        // Snapshots: a dispatch may complete a map (an empty or finished one) or start a worker.
        var open = slots.All.Where(slot => slot.CanTakeWork).ToArray();
        if (open.Length == 0)
        {
            return;
        }
        // Workers still starting get their share of a map whose chunks' cost is not known yet.
        var starting = slots.All.Any(slot => !slot.WasReady && !slot.Retiring);
        foreach (var job in _jobs.ToArray())
        {
            if (_jobsById.ContainsKey(job.Id) && _dealer.Deal(job, open, starting) == DealOutcome.NothingLeft)
            {
                CompleteIfDone(job);
            }
        }
        ReclaimForIdleWorkers();
    }

    /// <summary>The worker of <paramref name="slot"/> sent results: finished chunks go to their map's output.</summary>
    public void TakeResults(WorkerSlot slot, ChunkResults results)
    {
        Progressed(slot);
        _jobsById.TryGetValue(results.MapId, out var job);
        if (!results.Spans.IsDefaultOrEmpty)
        {
            foreach (var span in results.Spans)
            {
                RecordSpan(slot, job, results.MapId, span);
            }
        }
        var finished = 0;
        var delivered = 0;
        var deliveredItems = 0L;
        foreach (var segment in results.Results)
        {
            if (!slot.InFlight.TryGetValue((results.MapId, segment.Seq), out var chunk))
            {
                continue;
            }
            (chunk.Segments ??= []).Add(segment);
            chunk.ItemsReceived += segment.ItemCount;
            if (chunk.ItemsReceived < chunk.Count)
            {
                continue;
            }
            slot.InFlight.Remove((results.MapId, segment.Seq));
            if (slot.Isolated == chunk)
            {
                slot.Isolated = null;
            }
            slot.TasksDone++;
            finished++;
            if (job is not null)
            {
                job.InFlight--;
                if (job.MarkFinished(chunk.Seq))
                {
                    job.Cancelled.Remove(chunk.Seq);
                    job.Output.Writer.TryWrite(new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [.. chunk.Segments]));
                    delivered++;
                    deliveredItems += chunk.Count;
                }
            }
        }
        if (finished > 0)
        {
            RecordCompleted(delivered, deliveredItems, results.ComputeMicros / 1e6 / finished);
        }
        if (job is not null && finished > 0)
        {
            var micros = (double)results.ComputeMicros / finished;
            job.MicrosPerChunk = job.MicrosPerChunk <= 0 ? micros : (0.7 * job.MicrosPerChunk) + (0.3 * micros);
            CompleteIfDone(job);
        }
        slots.RetireIfDone(slot);
        Dispatch();
    }

    /// <summary>The user's function threw on a chunk: an unordered map fails at once, an ordered one where the chunk stands.</summary>
    public void TakeFailure(WorkerSlot slot, ChunkFailed failed)
    {
        Progressed(slot);
        if (failed.Span is { } span)
        {
            RecordSpan(slot, _jobsById.GetValueOrDefault(failed.MapId), failed.MapId, span);
        }
        slot.InFlight.Remove((failed.MapId, failed.Seq), out var chunk);
        if (slot.Isolated == chunk)
        {
            slot.Isolated = null;
        }
        if (_jobsById.TryGetValue(failed.MapId, out var job))
        {
            job.InFlight--;
            var context = chunk is not null && failed.ItemIndex >= 0
                ? job.DescribeItem(chunk.Offset + failed.ItemIndex)
                : job.DescribeChunk(failed.Seq);
            var itemIndex = chunk is not null && failed.ItemIndex >= 0 ? chunk.Offset + failed.ItemIndex : (int?)null;
            var error = new RemoteException(failed.Error, context) { ItemIndex = itemIndex }.Rebuild();
            FailChunk(job, chunk, error);
        }
        slots.RetireIfDone(slot);
        Dispatch();
    }

    /// <summary>
    /// The worker's watchdog saw an item run past its map's deadline: the item's chunk fails with
    /// <see cref="ItemTimeoutException"/>. <see langword="false"/> when the chunk is no longer the
    /// worker's (it finished meanwhile, or its map was given up): then nobody waits on it.
    /// </summary>
    public bool TakeOverdue(WorkerSlot slot, ItemOverdue overdue)
    {
        if (!slot.InFlight.Remove((overdue.MapId, overdue.Seq), out var chunk))
        {
            return false;
        }
        if (slot.Isolated == chunk)
        {
            slot.Isolated = null;
        }
        if (_jobsById.TryGetValue(overdue.MapId, out var job))
        {
            job.InFlight--;
            var index = chunk.Offset + overdue.ItemIndex;
            var elapsed = TimeSpan.FromMicroseconds(overdue.ElapsedMicros);
            var timeout = job.ItemTimeout ?? TimeSpan.Zero;
            FailChunk(job, chunk, new ItemTimeoutException(
                $"{job.DescribeItem(index)} ran for {DurationText.Of(elapsed)}, past its deadline of {DurationText.Of(timeout)}; " +
                $"its worker process (pid {slot.Pid}) was killed and replaced.",
                job.IsApply ? null : index, timeout, elapsed, slot.Pid));
        }
        return true;
    }

    /// <summary>
    /// A chunk failed: in a map whose chunks fail alone, the failure is that chunk's outcome (to retry
    /// if <paramref name="retryable"/> and the caller's policy says so) and the map goes on; otherwise
    /// an unordered map fails at once, an ordered one where the chunk stands.
    /// </summary>
    private void FailChunk(MapJob job, PendingChunk? chunk, Exception error, bool retryable = true)
    {
        if (!job.IsRetry && !(retryable && job.HasRetryPolicy && job.ChunksFailAlone && chunk is not null))
        {
            // What the caller's retry policy may run again counts when its retries end (RetriesEnded).
            CountFailed(error);
        }
        if (job.ChunksFailAlone && chunk is not null)
        {
            if (job.MarkFinished(chunk.Seq))
            {
                job.Output.Writer.TryWrite(new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [], error) { Retryable = retryable ? chunk : null });
            }
            CompleteIfDone(job);
            return;
        }
        if (job.Ordered && chunk is not null)
        {
            FailAt(job, chunk, error);
        }
        else
        {
            job.Fail(error);
            RemoveJob(job);
        }
    }

    /// <summary>The worker skipped a cancelled chunk before it started: it holds it no more.</summary>
    public void AbandonedChunk(WorkerSlot slot, AbandonChunk abandoned)
    {
        Progressed(slot);
        if (!slot.InFlight.Remove((abandoned.MapId, abandoned.Seq)))
        {
            return;
        }
        if (_jobsById.TryGetValue(abandoned.MapId, out var job))
        {
            job.InFlight--;
            job.Cancelled.Remove(abandoned.Seq);
            CompleteIfDone(job);
        }
        slots.RetireIfDone(slot);
        Dispatch();
    }

    /// <summary>The worker has let a given-up map go: nothing of it runs there any more.</summary>
    public void Abandoned(WorkerSlot slot, long mapId)
    {
        if (slot.Abandoning.Remove(mapId))
        {
            slots.RetireIfDone(slot);
            Dispatch();
        }
    }

    /// <summary>
    /// The worker of <paramref name="slot"/> died (its slot is gone already): the chunks it held run
    /// again, or fail their map if they keep killing workers on their own.
    /// </summary>
    public void WorkerLost(WorkerSlot slot, int exitCode, WorkerExitCause? cause = null)
    {
        // Alone on the worker, a chunk is to blame for its death; among others it is only a suspect
        // (a finished neighbour's result may have died with the process), to run again alone.
        var alone = slot.InFlight.Count == 1;
        foreach (var ((mapId, _), chunk) in slot.InFlight.OrderBy(entry => entry.Value.DispatchOrder))
        {
            if (!_jobsById.TryGetValue(mapId, out var job))
            {
                continue;
            }
            job.InFlight--;
            if (slot.KilledByPool)
            {
                // The pool ended it itself (another chunk past its grace period or deadline, a memory budget): nothing here is to blame.
                Instruments.ChunksRetried.Add(1, _poolTag, Instruments.RetriedWorkerLost);
                job.Retry.Enqueue(chunk);
                continue;
            }
            chunk.Suspect = true;
            if (alone && ++chunk.Losses >= settings.MaxChunkLosses)
            {
                FailChunk(job, chunk, new WorkerLostException(
                    $"{(job.IsApply ? "The apply call" : $"Chunk {chunk.Seq} (items {chunk.Offset}..{chunk.Offset + chunk.Count - 1})")} was running alone on its worker process when it died, " +
                    $"{(chunk.Losses == 1 ? "once" : $"{chunk.Losses} times")} (last: {cause?.Message ?? $"exit code {exitCode}"}); it is not dispatched again.", chunk.Offset, chunk.Count, cause), retryable: false);
                continue;
            }
            Instruments.ChunksRetried.Add(1, _poolTag, Instruments.RetriedWorkerLost);
            job.Retry.Enqueue(chunk);
        }
    }

    /// <summary>Closed with no map left: every worker retires.</summary>
    public void RetireIdleWorkersIfClosed()
    {
        if (!router.Closing || _jobs.Count > 0)
        {
            return;
        }
        slots.RetireAll();
    }

    /// <summary>Each map as the router sees it, for diagnosing a stalled map.</summary>
    public IEnumerable<string> Describe() => _jobs.Select(j => $"map {j.Id}: {j}");

    private void CompleteIfDone(MapJob job)
    {
        if (job.FailedSeq is { } failedSeq)
        {
            if (job.Retry.All(chunk => chunk.Seq >= failedSeq) && !slots.All.Any(slot => slot.InFlight.Keys.Any(key => key.MapId == job.Id && key.Seq < failedSeq)))
            {
                // Everything before the failure is in the output; the consumer meets the error there.
                job.Output.Writer.TryComplete();
                RemoveJob(job);
            }
            return;
        }
        var input = job.Input.Reader.Completion;
        if (!input.IsCompleted || job.Retry.Count > 0 || job.InFlight > 0)
        {
            return;
        }
        // The input's own failure (the caller's enumerator threw) ends the map after every chunk read before it.
        job.Output.Writer.TryComplete(input.IsCompletedSuccessfully ? null : input.Exception?.InnerException ?? new OperationCanceledException());
        RemoveJob(job);
    }

    /// <summary>
    /// An ordered map's chunk failed: its error takes the chunk's place in the output, nothing after it
    /// is dispatched, and the map ends once everything before it has finished.
    /// </summary>
    private void FailAt(MapJob job, PendingChunk chunk, Exception error)
    {
        job.Output.Writer.TryWrite(new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [], error));
        job.FailedSeq = Math.Min(job.FailedSeq ?? int.MaxValue, chunk.Seq);
        CompleteIfDone(job);
        Dispatch();
    }

    private void RemoveJob(MapJob job)
    {
        if (!_jobsById.Remove(job.Id))
        {
            return;
        }
        _jobs.Remove(job);
        foreach (var slot in slots.All.ToArray())
        {
            var held = slot.InFlight.Keys.Where(k => k.MapId == job.Id).ToList();
            foreach (var key in held)
            {
                slot.InFlight.Remove(key);
            }
            if (slot.KnownMaps.Remove(job.Id))
            {
                if (slot.Actor is { } actor)
                {
                    router.Tell(actor, new AbandonMap(job.Id));
                }
                if (held.Count > 0 && slot.Actor is not null)
                {
                    // It may be running one of them still: busy until it says it has let the map go.
                    slot.Abandoning.Add(job.Id);
                }
            }
            slots.RetireIfDone(slot);
        }
        RetireIdleWorkersIfClosed();
    }
}
