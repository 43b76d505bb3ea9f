using System.Diagnostics;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// Chunks taken back from a busy worker for an idle one. Each worker holds a window of chunks (one
/// running, the next ones queued so it never waits for the router); when one of them is long, or never
/// returns, the chunks queued behind it would wait there while another worker idles. Python's workers
/// take a task only when they are free (<c>multiprocessing/pool.py</c>, <c>worker</c> reads the task
/// queue), so none waits behind a slow one; here the router asks the busy worker to give back what it
/// has not started (<see cref="ReclaimChunks"/>) and deals that again.
/// </summary>
internal sealed partial class ChunkScheduler
{
    /// <summary>A busy worker is asked for its queued chunks once it has shown no progress for this many of its chunks' usual time...</summary>
    private const int ReclaimAfterChunks = 4;

    /// <summary>...but not before this (results come back every half millisecond or so)...</summary>
    private static readonly long MinimumWait = Stopwatch.Frequency / 500;

    /// <summary>...and not later than this, whatever its chunks usually take (or when that is not known yet).</summary>
    private static readonly long MaximumWait = Stopwatch.Frequency / 10;

    /// <summary>The worker answered a <see cref="ReclaimChunks"/>: the chunks it gave back are dealt again.</summary>
    public void TakeReclaimed(WorkerSlot slot, ChunksReclaimed reclaimed)
    {
        slot.Reclaiming = false;
        for (var index = 0; index < reclaimed.Seqs.Length; index++)
        {
            var key = (reclaimed.MapIds[index], reclaimed.Seqs[index]);
            if (!slot.InFlight.Remove(key, out var chunk) || !_jobsById.TryGetValue(key.Item1, out var job))
            {
                continue;
            }
            job.InFlight--;
            job.Retry.Enqueue(chunk);
        }
        if (slot.InFlight.Count == 0)
        {
            // It had started none of them (it was still starting, or busy in something else): nothing
            // holds it up any more, so it takes work again; kept stalled, it would never show progress.
            slot.Stalled = false;
        }
        slots.RetireIfDone(slot);
        Dispatch();
    }

    private static void Progressed(WorkerSlot slot)
    {
        slot.LastProgress = Stopwatch.GetTimestamp();
        slot.Stalled = false;
    }

    /// <summary>
    /// After a dispatch: if a worker that could take work is idle, every other worker that holds queued
    /// chunks and has shown no progress for a while is asked to give them back; for those not yet due, a
    /// look again is scheduled.
    /// </summary>
    private void ReclaimForIdleWorkers()
    {
        if (!slots.All.Any(slot => slot.CanTakeWork && slot.InFlight.Count == 0 && slot.Isolated is null && !slot.Stalled))
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var nextLook = long.MaxValue;
        foreach (var slot in slots.All)
        {
            if (slot.InFlight.Count < 2 || slot.Reclaiming || slot.KilledByPool || slot.Actor is not { } worker)
            {
                continue;
            }
            var due = slot.LastProgress + WaitBeforeReclaim(slot);
            if (now >= due)
            {
                slot.Reclaiming = true;
                slot.Stalled = true;
                router.Tell(worker, ReclaimChunks.Instance);
            }
            else
            {
                nextLook = Math.Min(nextLook, due - now);
            }
        }
        if (nextLook != long.MaxValue)
        {
            router.Schedule(ReclaimCheck.Instance, ReclaimCheck.Instance, Stopwatch.GetElapsedTime(0, nextLook) + TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>How long the worker may show no progress before its queued chunks are taken back, from what its maps' chunks usually take.</summary>
    private long WaitBeforeReclaim(WorkerSlot slot)
    {
        var usual = 0.0;
        foreach (var (mapId, _) in slot.InFlight.Keys)
        {
            if (_jobsById.TryGetValue(mapId, out var job) && job.MicrosPerChunk > 0)
            {
                usual = Math.Max(usual, job.MicrosPerChunk);
            }
        }
        if (usual <= 0)
        {
            return MaximumWait;
        }
        return Math.Clamp((long)(usual * ReclaimAfterChunks * Stopwatch.Frequency / 1e6), MinimumWait, MaximumWait);
    }
}
