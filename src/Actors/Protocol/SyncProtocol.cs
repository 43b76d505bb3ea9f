namespace ActorParallel.Protocol;

/// <summary>The kinds of synchronization primitive a Manager keeps (its <c>SyncTable</c>).</summary>
internal enum SyncKind : byte
{
    Event,
    Semaphore,
    BoundedSemaphore,
    Barrier,
    RLock,
    Condition,
}

/// <summary>What a <see cref="SyncRequest"/> asks.</summary>
internal enum SyncOp : byte
{
    /// <summary>Event: set the flag and wake every waiter.</summary>
    Set,

    /// <summary>Event: clear the flag.</summary>
    Clear,

    /// <summary>Event: the flag (Value 1 or 0); Barrier: the parties waiting (Value), Broken outcome if broken.</summary>
    Read,

    /// <summary>
    /// Event: wait for the flag; Barrier: wait for every party (Arg <see cref="SyncArgs.WithAction"/>: the barrier has an action, and
    /// the last party is answered <see cref="SyncOutcome.RunAction"/>); Condition: release the lock,
    /// wait for a notify, take the lock again.
    /// </summary>
    Wait,

    /// <summary>Semaphore, RLock, Condition: acquire.</summary>
    Acquire,

    /// <summary>Semaphore (Arg: how many), RLock, Condition: release.</summary>
    Release,

    /// <summary>Condition: wake up to Arg waiters (all when Arg is negative).</summary>
    Notify,

    /// <summary>Barrier: back to its start; waiters get Broken.</summary>
    Reset,

    /// <summary>Barrier: broken; waiters get Broken.</summary>
    Abort,

    /// <summary>Any: end request Arg of this owner if it still waits (it is answered TimedOut, a barrier broken).</summary>
    Cancel,

    /// <summary>Barrier: the action of round Arg (the <see cref="SyncOutcome.RunAction"/> answer's Value) returned: release every party.</summary>
    ActionDone,

    /// <summary>Barrier: the action of round Arg threw: break the barrier.</summary>
    ActionFailed,
}

/// <summary>Values of a <see cref="SyncRequest"/>'s Arg.</summary>
internal static class SyncArgs
{
    /// <summary>A barrier <see cref="SyncOp.Wait"/>'s Arg when the barrier has an action.</summary>
    public const long WithAction = 1;
}

/// <summary>
/// Why a barrier broke: the Value of a <see cref="SyncOutcome.Broken"/> reply, so that each party's
/// <see cref="BrokenBarrierException"/> says what happened (Python's <c>BrokenBarrierError</c> says nothing).
/// </summary>
internal static class BarrierBreaks
{
    public const long Unknown = 0, TimedOut = 1, PartyDied = 2, Aborted = 3, Reset = 4, ActionFailed = 5, RunnerDied = 6;

    public static string Describe(long why) => why switch
    {
        TimedOut => "a party's wait timed out or was cancelled",
        PartyDied => "the process of a waiting party died",
        Aborted => "it was aborted (AbortAsync)",
        Reset => "it was reset (ResetAsync) while this party waited",
        ActionFailed => "its action threw, in the party that ran it",
        RunnerDied => "the process running its action died",
        _ => "a wait timed out, a waiting party's process died, it was aborted or reset, or its action failed",
    };
}

/// <summary>How a <see cref="SyncRequest"/> went.</summary>
internal enum SyncOutcome : byte
{
    Done,
    TimedOut,

    /// <summary>The barrier is broken (a party timed out, died, or it was aborted or reset while waited on); Value says why (<see cref="BarrierBreaks"/>).</summary>
    Broken,

    /// <summary>The lock is not held by this owner (Python's <c>RuntimeError</c>).</summary>
    NotOwner,

    /// <summary>A bounded semaphore released more than acquired (Python's <c>ValueError</c>).</summary>
    TooManyReleases,

    /// <summary>
    /// The last party of a barrier with an action: run it, then say how it went with
    /// <see cref="SyncOp.ActionDone"/> or <see cref="SyncOp.ActionFailed"/> and Arg = Value (the round);
    /// the other parties stay parked until then.
    /// </summary>
    RunAction,
}

/// <summary>
/// Client → host: operation <paramref name="Op"/> on primitive <paramref name="Name"/> of kind
/// <paramref name="Kind"/> (made on first use with <paramref name="Init"/>: a semaphore's value, a
/// barrier's parties), for <paramref name="Owner"/> (a process and, for locks, its holder) whose process
/// is at <paramref name="Address"/>; waits up to <paramref name="TimeoutMs"/> (-1: no limit).
/// Replies <see cref="SyncReply"/> with the same <paramref name="RequestId"/>.
/// </summary>
internal sealed record SyncRequest(string Name, SyncKind Kind, SyncOp Op, string Owner, long RequestId, string Address, long Init, long Arg, long TimeoutMs) : IWireMessage;

/// <summary>Host → client: how request <paramref name="RequestId"/> went, and its value (a flag, a barrier's arrival index, whether a condition wait was notified).</summary>
internal sealed record SyncReply(string Name, long RequestId, SyncOutcome Outcome, long Value) : IWireMessage;
