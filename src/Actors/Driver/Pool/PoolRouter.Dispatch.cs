using System.Collections.Immutable;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// The router's dispatch half: which chunks go to which worker, and when a map is complete. A worker
/// may hold up to a map's window of chunks (and never more tasks than its life has left); each
/// dispatch sends as many as its credit allows in one message, retried chunks first.
/// </summary>
internal sealed partial class PoolRouter
{
    private void Dispatch()
    {
        if (_jobs.Count == 0)
        {
            return;
        }
        // Snapshots: a dispatch may complete a map (an empty or finished one) or start a worker.
        foreach (var slot in _slots.Values.ToArray())
        {
            foreach (var job in _jobs.ToArray())
            {
                if (!slot.CanTakeWork || Credit(slot, job) <= 0)
                {
                    break;
                }
                if (_jobsById.ContainsKey(job.Id))
                {
                    SendBatch(slot, job);
                }
            }
        }
    }

    private void SendBatch(WorkerSlot slot, MapJob job)
    {
        var batch = ImmutableArray.CreateBuilder<ChunkPayload>();
        var bytes = 0;
        while (Credit(slot, job) > 0 && bytes < _settings.MaxPayloadBytes)
        {
            if (job.Retry.TryPeek(out var next) && next.Suspect)
            {
                // A suspect runs alone: only on an idle worker, and nothing joins it.
                if (batch.Count == 0 && slot.InFlight.Count == 0)
                {
                    job.Retry.Dequeue();
                    slot.Isolated = next;
                    Add(next);
                }
                break;
            }
            if (!TryTake(job, out var chunk))
            {
                break;
            }
            if (bytes > 0 && bytes + chunk.Items.Length > _settings.MaxPayloadBytes)
            {
                job.Retry.Enqueue(chunk);
                break;
            }
            Add(chunk);
        }
        if (batch.Count == 0)
        {
            CompleteIfDone(job);
            return;
        }
        SendTo(slot, job, batch.ToImmutable());

        void Add(PendingChunk chunk)
        {
            batch.Add(new ChunkPayload(chunk.Seq, 0, chunk.Count, chunk.Items));
            chunk.DispatchOrder = ++_dispatchOrder;
            slot.InFlight[(job.Id, chunk.Seq)] = chunk;
            job.InFlight++;
            bytes += chunk.Items.Length;
        }
    }

    private void SendTo(WorkerSlot slot, MapJob job, ImmutableArray<ChunkPayload> batch)
    {
        var function = slot.KnownMaps.Add(job.Id) ? job.Function : null;
        slot.Actor!.Tell(new RunChunks(job.Id, function, batch), Self);
    }

    /// <summary>How many more chunks of <paramref name="job"/> the worker may hold: its window, and no more tasks than its life has left.</summary>
    private int Credit(WorkerSlot slot, MapJob job)
    {
        if (slot.Isolated is not null)
        {
            return 0;
        }
        var credit = job.Window - slot.InFlight.Count;
        return _settings.MaxTasksPerChild is { } max ? Math.Min(credit, max - slot.TasksDone - slot.InFlight.Count) : credit;
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
        if (job.Retry.TryDequeue(out chunk!) || job.Input.Reader.TryRead(out chunk!))
        {
            return true;
        }
        // Mark first, then look again: a chunk written in between is either seen here or wakes us.
        job.MarkStarved();
        return job.Input.Reader.TryRead(out chunk!);
    }

    private void CompleteIfDone(MapJob job)
    {
        if (job.FailedSeq is { } failedSeq)
        {
            if (job.Retry.All(chunk => chunk.Seq >= failedSeq) && !_slots.Values.Any(slot => slot.InFlight.Keys.Any(key => key.MapId == job.Id && key.Seq < failedSeq)))
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
        foreach (var slot in _slots.Values.ToArray())
        {
            var held = slot.InFlight.Keys.Where(k => k.MapId == job.Id).ToList();
            foreach (var key in held)
            {
                slot.InFlight.Remove(key);
            }
            if (slot.KnownMaps.Remove(job.Id))
            {
                slot.Actor?.Tell(new AbandonMap(job.Id), Self);
                if (held.Count > 0 && slot.Actor is not null)
                {
                    // It may be running one of them still: busy until it says it has let the map go.
                    slot.Abandoning.Add(job.Id);
                }
            }
            RetireIfDone(slot);
        }
        RetireIdleWorkersIfClosed();
    }

    /// <summary>The worker has let a given-up map go: nothing of it runs there any more.</summary>
    private void HandleAbandoned(AbandonMap abandoned)
    {
        if (_slotsByActor.TryGetValue(Sender, out var slot) && slot.Abandoning.Remove(abandoned.MapId))
        {
            RetireIfDone(slot);
            Dispatch();
        }
    }
}
