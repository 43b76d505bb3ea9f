using System.Diagnostics;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>The scheduler's telemetry: chunk spans under their map's, completed chunks and items, the backlog.</summary>
internal sealed partial class ChunkScheduler
{
    /// <summary>A chunk's span, timed in its worker, recorded under the span its chunk was given (its own call's, or its map's).</summary>
    private void RecordSpan(WorkerSlot slot, MapJob? job, long mapId, ChunkSpan span)
    {
        if (!slot.InFlight.TryGetValue((mapId, span.Seq), out var chunk))
        {
            return;
        }
        var parent = chunk.TraceParent is { } own
            ? ActivityContext.TryParse(own, null, isRemote: false, out var context) ? context : (ActivityContext?)null
            : job?.TraceContext;
        if (parent is { } known)
        {
            Instruments.RecordChunkSpan(span, known, slot.Pid, settings.Name);
        }
    }

    /// <summary>The router is stopping: its maps' chunks leave the backlog.</summary>
    public void ClearBacklog()
    {
        if (_backlogReported != 0)
        {
            Instruments.Backlog.Add(-_backlogReported, _poolTag);
            _backlogReported = 0;
        }
    }

    private void RecordCompleted(int chunks, long items, double secondsPerChunk)
    {
        if (chunks == 0)
        {
            return;
        }
        Instruments.ChunksCompleted.Add(chunks, _poolTag);
        Instruments.ItemsCompleted.Add(items, _poolTag);
        if (Instruments.ChunkDuration.Enabled)
        {
            for (var index = 0; index < chunks; index++)
            {
                Instruments.ChunkDuration.Record(secondsPerChunk, _poolTag);
            }
        }
    }

    /// <summary>Chunks read from the maps' inputs and not finished: waiting in the input, to be retried, or on a worker.</summary>
    private void ReportBacklog()
    {
        if (!Instruments.Backlog.Enabled)
        {
            return;
        }
        var backlog = 0L;
        foreach (var job in _jobs)
        {
            backlog += job.InFlight + job.Retry.Count + (job.Input.Reader.CanCount ? job.Input.Reader.Count : 0);
        }
        if (backlog != _backlogReported)
        {
            Instruments.Backlog.Add(backlog - _backlogReported, _poolTag);
            _backlogReported = backlog;
        }
    }

    /// <summary>Counts a chunk (and its item) failed for good, by the error's type.</summary>
    public void CountFailed(Exception error)
    {
        var errorType = new KeyValuePair<string, object?>(Instruments.ErrorTypeTag, error.GetType().FullName);
        Instruments.ChunksFailed.Add(1, _poolTag, errorType);
        Instruments.ItemsFailed.Add(1, _poolTag, errorType);
    }
}
