using System.Collections.Immutable;

namespace ActorParallel.Driver;

/// <summary>Pool → router: run this map. Local to the driver (it carries the job's channels).</summary>
internal sealed record SubmitMap(MapJob Job);

/// <summary>Feeder → router: a map that was waiting for input has some.</summary>
internal sealed record MapInputReady(long MapId);

/// <summary>Consumer → router: the caller gave up on this map (cancelled, or failed on its side).</summary>
internal sealed record CancelMap(long MapId);

/// <summary>Pool → router: accept no more maps; when the running ones finish, let the workers exit. Replies <see cref="PoolStopped"/> once they have.</summary>
internal sealed record ClosePool
{
    public static readonly ClosePool Instance = new();
}

/// <summary>Pool → router: fail running maps and end every worker now. Replies <see cref="PoolStopped"/>.</summary>
internal sealed record TerminatePool
{
    public static readonly TerminatePool Instance = new();
}

/// <summary>Every worker process of the pool has exited.</summary>
internal sealed record PoolStopped
{
    public static readonly PoolStopped Instance = new();
}

/// <summary>Asks the router for <see cref="PoolStatus"/>.</summary>
internal sealed record GetPoolStatus
{
    public static readonly GetPoolStatus Instance = new();
}

/// <summary>Time to try (again) a round trip with a Host node's new worker.</summary>
internal sealed record ConfirmWorkerConnection(long ProcessId, int Attempt);

/// <summary>The router found a Host node's supervisor, to start workers with.</summary>
internal sealed record HostNodeFound(Akka.Actor.Address Node, Akka.Actor.IActorRef Supervisor, int Workers);

/// <summary>The router could not find a Host node's supervisor.</summary>
internal sealed record HostNodeMissing(Akka.Actor.Address Node, string Reason);

/// <summary>
/// Asks the router for <see cref="PoolStatus"/> once <paramref name="Count"/> workers are ready to take
/// work (or at once if the pool is closing, terminated or broken, since none may come).
/// </summary>
internal sealed record AwaitWorkers(int Count);

/// <summary>The pool's workers: the pids of those ready to work, and how many processes it has started in all.</summary>
internal sealed record PoolStatus(ImmutableArray<int> ReadyPids, int ProcessesStarted)
{
    /// <summary>Each worker slot and map as the router sees them, for diagnosing a stalled map.</summary>
    public string Detail { get; init; } = string.Empty;
}

/// <summary>
/// Router → itself: a worker's grace period to finish a chunk of a cancelled map (or, with a
/// <paramref name="Seq"/>, one cancelled chunk of a map that goes on) has passed.
/// </summary>
internal sealed record CancelledChunkOverdue(long ProcessId, long MapId, int? Seq = null);

/// <summary>A call's retries → router: a chunk its retry policy ran again failed for good (or was not retried): counted once as failed.</summary>
internal sealed record RetriesEnded(Exception Error);

/// <summary>Router → itself: time to look again for chunks waiting on a busy worker while another is idle.</summary>
internal sealed class ReclaimCheck
{
    public static readonly ReclaimCheck Instance = new();

    private ReclaimCheck()
    {
    }
}

/// <summary>Caller → router: one chunk of a map that goes on is no longer wanted (its <c>ApplyAsync</c> call was cancelled).</summary>
internal sealed record CancelChunk(long MapId, int Seq);
