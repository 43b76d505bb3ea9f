using System.Collections.Immutable;
using System.Diagnostics;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>What <see cref="ChunkDealer.Deal"/> did with a map.</summary>
internal enum DealOutcome
{
    /// <summary>Chunks went to workers.</summary>
    Sent,

    /// <summary>A worker could take a chunk, but the map had none to give: it may be complete.</summary>
    NothingLeft,

    /// <summary>No worker could take a chunk of the map now.</summary>
    NoWorkerFree,
}

/// <summary>
/// Deals a map's chunks to the router's workers: each worker may hold up to the map's window of
/// chunks (and never more tasks than its life has left); retried chunks go first; a suspect runs
/// alone on an idle worker; each worker's chunks in one dispatch travel in one message under the frame.
/// </summary>
internal sealed class ChunkDealer(PoolSettings settings, IRouterActions router)
{
    private long _dispatchOrder;

    /// <summary>
    /// Deals the map's chunks out one at a time, each to the worker that holds the fewest chunks and
    /// has credit, so no worker is given a second chunk while another that could take one has none (as
    /// Python's workers each take one task at a time from a shared queue: a quick item never waits
    /// behind a slow one while a worker idles). Each worker's chunks still travel in one message.
    /// </summary>
    /// <returns>Whether chunks were sent, or the map had none left to send (so it may be complete), or no worker could take one.</returns>
    /// <param name="job">The map.</param>
    /// <param name="open">The workers that take work now.</param>
    /// <param name="starting">
    /// Some of the pool's workers are still starting: while the map's chunks have not shown their
    /// cost, each ready worker holds one, leaving the rest for those (a chunk may take seconds).
    /// </param>
    public DealOutcome Deal(MapJob job, WorkerSlot[] open, bool starting)
    {
        var window = starting && job.MicrosPerChunk <= 0 ? 1 : job.Window;
        var batches = new Dictionary<WorkerSlot, Batch>();
        var full = new HashSet<WorkerSlot>();
        var tried = false;
        while (LeastLoaded(open, job, window, full) is { } slot)
        {
            tried = true;
            if (job.Retry.TryPeek(out var next) && next.Suspect)
            {
                if (job.Cancelled.Remove(next.Seq))
                {
                    job.Retry.Dequeue();
                    continue;
                }
                // A suspect runs alone: only on an idle worker that gets nothing else now, and nothing joins it.
                var idle = Array.Find(open, s => s.InFlight.Count == 0 && !batches.ContainsKey(s) && Credit(s, window) > 0);
                if (idle is null)
                {
                    break;
                }
                job.Retry.Dequeue();
                Add(idle, next);
                idle.Isolated = next;
                continue;
            }
            if (!TryTake(job, out var chunk))
            {
                break;
            }
            if (batches.TryGetValue(slot, out var batch) && batch.Bytes > 0 && batch.Bytes + chunk.Items.Size > settings.MaxPayloadBytes)
            {
                // One message must stay under the frame: this worker's batch is full.
                job.Retry.Enqueue(chunk);
                full.Add(slot);
                continue;
            }
            Add(slot, chunk);
        }
        if (batches.Count == 0)
        {
            return tried ? DealOutcome.NothingLeft : DealOutcome.NoWorkerFree;
        }
        foreach (var (slot, batch) in batches)
        {
            // A traced map's chunks share its context: it travels once per batch.
            var traces = batch.Traces?.ToImmutable() ?? (job.TraceParent is { } map ? [new ChunkTrace(ChunkTrace.EveryChunk, map)] : default);
            SendTo(slot, job, batch.Chunks.ToImmutable(), traces);
        }
        return DealOutcome.Sent;

        void Add(WorkerSlot slot, PendingChunk chunk)
        {
            if (!batches.TryGetValue(slot, out var batch))
            {
                batches[slot] = batch = new Batch();
            }
            if (slot.InFlight.Count == 0)
            {
                slot.LastProgress = Stopwatch.GetTimestamp();
            }
            batch.Chunks.Add(new ChunkPayload(chunk.Seq, 0, chunk.Count, chunk.Items));
            if (chunk.TraceParent is { } traceParent)
            {
                (batch.Traces ??= ImmutableArray.CreateBuilder<ChunkTrace>()).Add(new ChunkTrace(chunk.Seq, traceParent));
            }
            batch.Bytes += chunk.Items.Size;
            chunk.DispatchOrder = ++_dispatchOrder;
            slot.InFlight[(job.Id, chunk.Seq)] = chunk;
            job.InFlight++;
            if (batch.Bytes >= settings.MaxPayloadBytes)
            {
                full.Add(slot);
            }
        }
    }

    /// <summary>The open worker holding the fewest chunks that may take one more of <paramref name="job"/>; <see langword="null"/> for none.</summary>
    private WorkerSlot? LeastLoaded(WorkerSlot[] open, MapJob job, int window, HashSet<WorkerSlot> full)
    {
        WorkerSlot? least = null;
        foreach (var slot in open)
        {
            var better = least is null || slot.InFlight.Count < least.InFlight.Count
                || (slot.InFlight.Count == least.InFlight.Count && slot.LastProgress > least.LastProgress);
            if (better && !full.Contains(slot) && Credit(slot, window) > 0)
            {
                least = slot;
            }
        }
        return least;
    }

    /// <summary>The chunks one worker is sent in one dispatch, and their bytes.</summary>
    private sealed class Batch
    {
        public ImmutableArray<ChunkPayload>.Builder Chunks { get; } = ImmutableArray.CreateBuilder<ChunkPayload>();

        public long Bytes { get; set; }

        /// <summary>The trace contexts of its traced chunks; <see langword="null"/> for none.</summary>
        public ImmutableArray<ChunkTrace>.Builder? Traces { get; set; }
    }

    private void SendTo(WorkerSlot slot, MapJob job, ImmutableArray<ChunkPayload> batch, ImmutableArray<ChunkTrace> traces)
    {
        var function = slot.KnownMaps.Add(job.Id) ? job.Function : null;
        router.Tell(slot.Actor!, new RunChunks(job.Id, function, batch, job.ItemTimeout, job.MaxValueBytes, traces));
    }

    /// <summary>How many more chunks the worker may hold: the map's <paramref name="window"/>, and no more tasks than its life has left.</summary>
    private int Credit(WorkerSlot slot, int window)
    {
        if (slot.Isolated is not null || slot.Stalled)
        {
            return 0;
        }
        var credit = window - slot.InFlight.Count;
        return settings.MaxTasksPerChild is { } max ? Math.Min(credit, max - slot.TasksDone - slot.InFlight.Count) : credit;
    }

    private static bool TryTake(MapJob job, out PendingChunk chunk)
    {
        if (job.FailedSeq is { } failedSeq)
        {
            // Failed where it stands: only what comes before the failure still runs.
            while (job.Retry.TryDequeue(out chunk!))
            {
                if (chunk.Seq < failedSeq)
                {
                    return true;
                }
            }
            return false;
        }
        while (job.Retry.TryDequeue(out chunk!) || job.Input.Reader.TryRead(out chunk!))
        {
            if (job.Cancelled.Count == 0 || !job.Cancelled.Remove(chunk.Seq))
            {
                return true;
            }
        }
        // Mark first, then look again: a chunk written in between is either seen here or wakes us.
        job.MarkStarved();
        while (job.Input.Reader.TryRead(out chunk!))
        {
            if (job.Cancelled.Count == 0 || !job.Cancelled.Remove(chunk.Seq))
            {
                return true;
            }
        }
        return false;
    }
}
