using ActorParallel.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>The pool's log lines about its workers' ends: why one died, which items it was running, why one was recycled.</summary>
internal static class WorkerExitReport
{
    /// <summary>The most chunks a log line names; more are counted.</summary>
    private const int ChunksNamed = 4;

    /// <summary>
    /// Logs a worker's end with its cause and the items it held, unless the driver meant it: a worker
    /// the pool retired, recycled or killed itself (those are logged where the pool decides), one ended
    /// while the pool terminates or by the driver's supervisor (its system shutting down), or one whose
    /// Host node was lost.
    /// </summary>
    public static void LogIfUnexpected(ILogger log, string pool, WorkerSlot slot, ProcessExited exited, bool terminating)
    {
        // The driver's own ends are not news: its pool or supervisor ended the worker on purpose (terminate,
        // dispose, the system shutting down), or the worker's Host node went away (the cluster says so).
        if (!terminating && !slot.KilledByPool && !(slot.Retiring && exited.ExitCode == ExitCodes.Success)
            && exited.Cause?.Kind != WorkerExitKind.KilledByDriver)
        {
            // Information, not a warning: the pool replaces the worker, and its chunks run again or fail
            // their map with a WorkerLostException that carries this same cause.
            log.LogInformation("ActorParallel pool {Pool}: {WorkerExit}.", pool, Died(slot, exited));
        }
    }

    /// <summary>Logs that a worker above its memory budget is recycled: what the budget is for, so information, not a warning.</summary>
    public static void LogRecycled(ILogger log, string pool, WorkerSlot slot, MemoryOverBudget over) =>
        log.LogInformation("ActorParallel pool {Pool}: {WorkerExit}.", pool, Recycled(slot, over));

    /// <summary>E.g. <c>worker 1234 died: stack overflow (at Work.Recurse(Int32), repeated 87000 times); it was running items 7..7 of map 3</c>.</summary>
    public static string Died(WorkerSlot slot, ProcessExited exited)
    {
        var cause = exited.Cause?.Message ?? $"exit code {exited.ExitCode}";
        var what = slot.WasReady ? "died" : "ended before it was ready";
        return $"worker {exited.Pid} {what}: {cause}; {Running(slot)}";
    }

    /// <summary>E.g. <c>worker 1234 recycled: memory 812 MB above the 500 MB budget</c>.</summary>
    public static string Recycled(WorkerSlot slot, MemoryOverBudget over) =>
        $"worker {slot.Pid} recycled: memory {Megabytes(over.ResidentBytes)} above the {Megabytes(over.BudgetBytes)} budget; a fresh process replaces it" +
        (slot.InFlight.Count > 0 ? $", and the {slot.InFlight.Count} chunk(s) it still held run elsewhere" : string.Empty);

    private static string Running(WorkerSlot slot)
    {
        if (slot.InFlight.Count == 0)
        {
            return "it held no chunk";
        }
        var named = slot.InFlight.OrderBy(entry => entry.Value.DispatchOrder).Take(ChunksNamed)
            .Select(entry => $"{entry.Value.Describe()} of map {entry.Key.MapId}");
        var more = slot.InFlight.Count > ChunksNamed ? $" and {slot.InFlight.Count - ChunksNamed} more chunk(s)" : string.Empty;
        return $"it held {string.Join(", ", named)}{more}";
    }

    private static string Megabytes(long bytes) => $"{bytes / 1_000_000.0:0} MB";
}
