using ActorParallel.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>
/// Ends the router's workers that are stuck in work nobody wants any more: .NET cannot abort a
/// thread, but the pool can end the process. A worker still running a cancelled map's chunk (or one
/// cancelled <c>ApplyAsync</c> call) after <see cref="PoolOptions.CancellationGracePeriod"/> is
/// killed; one whose item ran past its deadline is killed at once. Its replacement starts at once, and
/// the other chunks it held run again elsewhere, without blame, when its exit is seen.
/// </summary>
internal sealed class StuckWorkers(PoolSettings settings, WorkerSlots slots, ChunkScheduler scheduler, IRouterActions router, ILogger log)
{
    /// <summary>Workers still running a chunk of the cancelled map get the grace period to finish it.</summary>
    public void MapCancelled(long mapId)
    {
        var grace = settings.CancellationGracePeriod;
        if (grace == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        foreach (var slot in slots.All.Where(slot => slot.Abandoning.Contains(mapId)))
        {
            router.Schedule(("overdue", slot.ProcessId, mapId), new CancelledChunkOverdue(slot.ProcessId, mapId), grace);
        }
    }

    /// <summary>One cancelled chunk of a map that goes on: skipped if it has not started; if it has, its worker gets the grace period.</summary>
    public void ChunkCancelled(CancelChunk cancel)
    {
        if (scheduler.CancelChunk(cancel.MapId, cancel.Seq) is not { Actor: { } worker } slot)
        {
            return;
        }
        router.Tell(worker, new AbandonChunk(cancel.MapId, cancel.Seq));
        // It may be running it, a call that ignores its token: no new work goes there until it shows progress.
        slot.Stalled = true;
        var grace = settings.CancellationGracePeriod;
        if (grace != Timeout.InfiniteTimeSpan)
        {
            router.Schedule(("overdue", slot.ProcessId, cancel.MapId, cancel.Seq), new CancelledChunkOverdue(slot.ProcessId, cancel.MapId, cancel.Seq), grace);
        }
    }

    /// <summary>The grace period is over: a worker still running the cancelled work is killed.</summary>
    public void GraceOver(CancelledChunkOverdue overdue)
    {
        if (!slots.TryGet(overdue.ProcessId, out var slot) || slot.KilledByPool)
        {
            return;
        }
        var stillRunning = overdue.Seq is { } seq ? slot.InFlight.ContainsKey((overdue.MapId, seq)) : slot.Abandoning.Contains(overdue.MapId);
        if (!stillRunning)
        {
            return;
        }
        log.LogInformation("ActorParallel pool {Pool}: worker {Pid} still runs a chunk of cancelled map {MapId} after {Grace}; it is killed and replaced.",
            settings.Name, slot.Pid, overdue.MapId, settings.CancellationGracePeriod);
        Kill(slot);
    }

    /// <summary>An item ran past its deadline: it fails (or is retried), and its worker, stuck inside it, is killed.</summary>
    public void ItemOverdue(WorkerSlot slot, ItemOverdue overdue)
    {
        slot.InFlight.TryGetValue((overdue.MapId, overdue.Seq), out var chunk);
        if (slot.KilledByPool || !scheduler.TakeOverdue(slot, overdue))
        {
            return;
        }
        // Items by their place in the map, as the caller's ItemTimeoutException names them.
        var item = chunk!.IsApplyCall ? $"ApplyAsync call {chunk.Seq}" : $"item {chunk.Offset + overdue.ItemIndex}";
        log.LogInformation("ActorParallel pool {Pool}: {Item} of map {MapId} ran for {Elapsed}, past its deadline, on worker {Pid}, which is killed and replaced.",
            settings.Name, item, overdue.MapId, DurationText.Of(TimeSpan.FromMicroseconds(overdue.ElapsedMicros)), slot.Pid);
        Kill(slot);
        scheduler.Dispatch();
    }

    private void Kill(WorkerSlot slot)
    {
        slot.KilledByPool = true;
        slot.Retiring = true;
        router.Tell(slot.Supervisor, new KillProcess(slot.ProcessId));
        slots.Replenish(slot.Supervisor);
    }
}
