using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>The router's view of one pool worker process: what it holds and whether it may take more.</summary>
internal sealed class WorkerSlot(long processId, IActorRef supervisor)
{
    public long ProcessId { get; } = processId;

    /// <summary>The supervisor that started the process: the driver's, or a Host node's.</summary>
    public IActorRef Supervisor { get; } = supervisor;

    public int Pid { get; set; }

    /// <summary>The remote-deployed worker actor; <see langword="null"/> until the process is ready.</summary>
    public IActorRef? Actor { get; set; }

    /// <summary>Chunks sent to this worker and not yet finished, by map and sequence number.</summary>
    public Dictionary<(long MapId, int Seq), PendingChunk> InFlight { get; } = [];

    /// <summary>
    /// Maps given up (cancelled, failed) while this worker still held chunks of theirs: it may still be
    /// running one, so it takes no work until it confirms (<see cref="AbandonMap"/> back) that nothing of them runs.
    /// </summary>
    public HashSet<long> Abandoning { get; } = [];

    /// <summary>
    /// Ended by the pool's own decision (it kept running a cancelled map's chunk past the grace period or
    /// an item past its deadline, or went above its memory budget), or with its Host node: its death says
    /// nothing about the other chunks it held, which run again without blame.
    /// </summary>
    public bool KilledByPool { get; set; }

    /// <summary>Maps whose function this worker has already been sent.</summary>
    public HashSet<long> KnownMaps { get; } = [];

    /// <summary>
    /// When the worker last showed progress (a chunk's outcome came back, or it was given work while it
    /// held none), as a <see cref="System.Diagnostics.Stopwatch"/> timestamp: between workers holding
    /// as many chunks, the next goes to the one that moved last, not to one that may be stuck in a long item.
    /// </summary>
    public long LastProgress { get; set; }

    /// <summary>
    /// Chunks were taken back from it while it ran a long one (<see cref="Protocol.ReclaimChunks"/>): it is
    /// given nothing new until it shows progress again, so the work does not wait there once more.
    /// </summary>
    public bool Stalled { get; set; }

    /// <summary>A <see cref="Protocol.ReclaimChunks"/> was sent to it and not yet answered.</summary>
    public bool Reclaiming { get; set; }

    /// <summary>Chunks finished, for <see cref="PoolOptions.MaxTasksPerChild"/>.</summary>
    public int TasksDone { get; set; }

    /// <summary>Takes no more chunks: it exits once it has finished what it holds.</summary>
    public bool Retiring { get; set; }

    /// <summary>A suspect chunk running alone on this worker; it takes nothing else meanwhile.</summary>
    public PendingChunk? Isolated { get; set; }

    /// <summary>Became ready at some point (a process that exits before that failed to start).</summary>
    public bool WasReady { get; set; }

    /// <summary>A Host node's worker, ready, whose first round trip with the router has not yet come back.</summary>
    public IActorRef? Unconfirmed { get; set; }

    /// <summary>The CPU this (local) worker's compute thread is bound to, if any.</summary>
    public int? Cpu { get; set; }

    /// <summary>Ready and not retiring: one of the pool's workers now, busy or not.</summary>
    public bool IsServing => Actor is not null && !Retiring;

    /// <summary>Serving, and not still running a chunk of a map that was given up.</summary>
    public bool CanTakeWork => IsServing && Abandoning.Count == 0;
}
