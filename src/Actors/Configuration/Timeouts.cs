namespace ActorParallel.Configuration;

/// <summary>
/// Every fixed wait of the library, in one place, each named for what it bounds. The waits a user
/// may change are options instead (<see cref="ParallelRuntimeOptions.WorkerStartTimeout"/>,
/// <see cref="ParallelRuntimeOptions.TerminateGracePeriod"/>, <see cref="ManagerOptions.ReplicationTimeout"/>).
/// </summary>
internal static class Timeouts
{
    /// <summary>
    /// A caller's wait limit: <see langword="null"/> (wait as long as it takes) for none,
    /// <see cref="Timeout.InfiniteTimeSpan"/>, or one of <see cref="int.MaxValue"/> milliseconds (~24.8
    /// days) or more, which no timer takes (<see cref="TimeSpan.MaxValue"/> made some waits end at once).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is otherwise negative.</exception>
    public static TimeSpan? WaitLimit(TimeSpan? timeout, string paramName)
    {
        if (timeout is not { } limit || limit == Timeout.InfiniteTimeSpan || limit.TotalMilliseconds >= int.MaxValue)
        {
            return null;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero, paramName);
        return limit;
    }

    /// <summary><see cref="WaitLimit"/> in whole milliseconds, rounded up; -1 for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is otherwise negative.</exception>
    public static long WaitMilliseconds(TimeSpan? timeout, string paramName) =>
        WaitLimit(timeout, paramName) is { } limit ? (long)Math.Ceiling(limit.TotalMilliseconds) : -1;

    /// <summary>Finding an actor by its path on another node (a Host node's supervisor, a Manager's server): 30 s.</summary>
    public static readonly TimeSpan ActorLookup = TimeSpan.FromSeconds(30);

    /// <summary>The driver becoming an Up member of its own cluster (a Manager or Host nodes need one): 30 s.</summary>
    public static readonly TimeSpan DriverJoinsItself = TimeSpan.FromSeconds(30);

    /// <summary>A Host node joining its driver's cluster, unless told otherwise (<c>--join-timeout</c>): 60 s.</summary>
    public static readonly TimeSpan HostNodeJoin = TimeSpan.FromSeconds(60);

    /// <summary>One request from a shared object's proxy to its Manager's server, per attempt: 5 s.</summary>
    public static readonly TimeSpan SharedRequest = TimeSpan.FromSeconds(5);

    /// <summary>A new replicator learning the replicas of the Host nodes already up: 5 s.</summary>
    public static readonly TimeSpan ReplicasKnown = TimeSpan.FromSeconds(5);

    /// <summary>A pool's router stopping once its workers have exited (<see cref="Pool.DisposeAsync"/>): 10 s.</summary>
    public static readonly TimeSpan RouterStop = TimeSpan.FromSeconds(10);

    /// <summary>Between round trips with a Host node's new worker, before it takes work: 2 s.</summary>
    public static readonly TimeSpan WorkerConnectionRetry = TimeSpan.FromSeconds(2);

    /// <summary>A process the OS was told to kill being reaped: 2 s.</summary>
    public static readonly TimeSpan KilledProcessReaped = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A dead worker's stderr reaching end-of-file, before its exit is reported with what was read by
    /// then (a grandchild it started may hold the pipe open for ever): 500 ms.
    /// </summary>
    public static readonly TimeSpan StderrDrain = TimeSpan.FromMilliseconds(500);

    /// <summary>A worker told to exit finishing its last replies before it exits regardless: 2 s (150 ms after SIGTERM).</summary>
    public static readonly TimeSpan WorkerExitGrace = TimeSpan.FromSeconds(2);

    /// <summary>A worker's exit after SIGTERM: what it may still send before it goes.</summary>
    public static readonly TimeSpan WorkerExitAfterSigterm = TimeSpan.FromMilliseconds(150);

    /// <summary>A prelaunched worker nobody adopted exiting on end-of-file before it is killed: 500 ms.</summary>
    public static readonly TimeSpan PrelaunchedExit = TimeSpan.FromMilliseconds(500);

    /// <summary>A bulk link's connection and TLS handshake, and its peer's answer where to connect: 5 s (then large messages go in segments).</summary>
    public static readonly TimeSpan BulkConnect = TimeSpan.FromSeconds(5);

    /// <summary>The default runtime's ActorSystem stopping when the program exits: 5 s.</summary>
    public static readonly TimeSpan SystemStopAtExit = TimeSpan.FromSeconds(5);

    /// <summary>What a runtime's disposal allows beyond the terminate grace period for its workers to be gone: 5 s.</summary>
    public static readonly TimeSpan RuntimeDisposeSlack = TimeSpan.FromSeconds(5);

    /// <summary>A Host node's probe of its driver, before it counts as lost: 2 s.</summary>
    public static readonly TimeSpan DriverProbe = TimeSpan.FromSeconds(2);

    /// <summary>A new direct-link connection presenting its token: 10 s.</summary>
    public static readonly TimeSpan LinkToken = TimeSpan.FromSeconds(10);

    /// <summary>Between heartbeats on a direct link: 1 s.</summary>
    public static readonly TimeSpan LinkHeartbeat = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="ParallelRuntimeOptions.WorkerHeartbeatTimeout"/>: 4 s (hocon/actorparallel.conf's remote watcher pause matches it).</summary>
    public static readonly TimeSpan LinkAcceptablePause = TimeSpan.FromSeconds(4);

    /// <summary>
    /// A spare process taken is replaced this long after a process of the runtime ends: 50 ms. A spare's
    /// start is ~0.1 s of CPU; launched at once it took the cores from the processes of the same burst
    /// still ending (a second exit seen 11 ms after the first, instead of 1-2 ms).
    /// </summary>
    public static readonly TimeSpan SpareRefillDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a Host node holds an order that came before its view of the cluster showed its driver, before it refuses it.</summary>
    public static readonly TimeSpan DriverKnown = TimeSpan.FromSeconds(10);

    /// <summary>A worker's compute thread idle this long gives its spare memory back: 1 s.</summary>
    public static readonly TimeSpan IdleBeforeTrim = TimeSpan.FromSeconds(1);
}
