using System.Collections.Immutable;
using System.Runtime.InteropServices;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// What to run in a new worker process: an id unique in this driver, a name, and the target with
/// its arguments, already encoded (so a target that cannot travel fails in <see cref="Create"/>).
/// </summary>
/// <param name="Id">Identifies the process in every later message.</param>
/// <param name="Name">A display name, as Python's <c>Process.name</c>.</param>
/// <param name="Call">The encoded target and arguments (without the large arrays they hold, which are in <see cref="Blocks"/>).</param>
public sealed record ProcessSpec(long Id, string Name, ImmutableArray<byte> Call)
{
    private static long s_lastId;

    /// <summary>
    /// The arguments' arrays of primitives of 32 KiB or more, copied once, as they were when the spec was
    /// made, and sent out of band from there (<see cref="Encoded.Blocks"/>): not encoded into
    /// <see cref="Call"/> and copied again to be sent.
    /// </summary>
    internal Array[] Blocks { get; init; } = [];

    /// <summary>The call as it travels: its bytes and its arrays.</summary>
    internal Encoded Encoded => new(ImmutableCollectionsMarshal.AsArray(Call) ?? [], Blocks);

    /// <summary>Encodes <paramref name="target"/> and <paramref name="args"/> into a spec with a fresh id.</summary>
    /// <param name="target">A static method, lambda or closure over shippable values.</param>
    /// <param name="args">The target's arguments.</param>
    /// <param name="name">The display name; <c>Process-N</c> when omitted, as in Python.</param>
    /// <returns>The spec to send in <see cref="StartProcess"/>.</returns>
    /// <exception cref="NotShippableException">The target or an argument cannot travel to another process.</exception>
    /// <exception cref="ArgumentException">The arguments do not match the target's parameters.</exception>
    public static ProcessSpec Create(Delegate target, object?[] args, string? name = null)
    {
        var call = ShippedCall.Encode(target, args, collectBlocks: true);
        var id = Interlocked.Increment(ref s_lastId);
        // Copied here: the process gets its arguments as they were now (it is sent them later, when it is
        // up), whatever the caller does with its arrays meanwhile - as Python's start() pickles them.
        return new ProcessSpec(id, name ?? $"Process-{id}", ImmutableCollectionsMarshal.AsImmutableArray(call.Bytes))
        {
            Blocks = [.. call.Blocks.Select(block => (Array)block.Clone())],
        };
    }

    /// <summary>
    /// A spec for a process that runs no target of its own but serves work sent to its worker actor
    /// (a pool worker): its starter gets <see cref="WorkerReady"/> once the worker actor is deployed.
    /// </summary>
    /// <param name="name">The display name.</param>
    /// <returns>The spec to send in <see cref="StartProcess"/>.</returns>
    internal static ProcessSpec ForServing(string name)
    {
        var id = Interlocked.Increment(ref s_lastId);
        return new ProcessSpec(id, name, ImmutableArray<byte>.Empty);
    }

    /// <summary>Whether the process serves work (<see cref="ForServing"/>) rather than running one target.</summary>
    internal bool Serves => Call.IsDefaultOrEmpty;
}

/// <summary>
/// A serving worker process is up and its worker actor deployed: send it work directly. Sent to the
/// starter of a spec made by <see cref="ProcessSpec.ForServing"/>, after <see cref="ProcessStarted"/>.
/// </summary>
/// <param name="ProcessId">The spec's id.</param>
/// <param name="Pid">The OS process id.</param>
/// <param name="Worker">The remote-deployed worker actor.</param>
internal sealed record WorkerReady(long ProcessId, int Pid, Akka.Actor.IActorRef Worker) : IWireMessage;

/// <summary>Start a worker process. Replies <see cref="ProcessStarted"/> or <see cref="ProcessStartFailed"/>.</summary>
/// <param name="Spec">What to run.</param>
public sealed record StartProcess(ProcessSpec Spec) : IWireMessage;

/// <summary>A reply to <see cref="StartProcess"/>.</summary>
public interface IStartProcessResponse
{
    /// <summary>The <see cref="ProcessSpec.Id"/> of the request.</summary>
    long ProcessId { get; }
}

/// <summary>The OS process is running.</summary>
/// <param name="ProcessId">The spec's id.</param>
/// <param name="Pid">The OS process id.</param>
public sealed record ProcessStarted(long ProcessId, int Pid) : IStartProcessResponse, IWireMessage;

/// <summary>The process could not be started; nothing is left running.</summary>
/// <param name="ProcessId">The spec's id.</param>
/// <param name="Reason">Why, in words a user can act on.</param>
public sealed record ProcessStartFailed(long ProcessId, string Reason) : IStartProcessResponse, IWireMessage;

/// <summary>Wait for a process to exit. Replies <see cref="ProcessExited"/> when it has, or <see cref="ProcessNotFound"/>.</summary>
/// <param name="ProcessId">The spec's id.</param>
public sealed record JoinProcess(long ProcessId) : IWireMessage;

/// <summary>
/// Stop a process: SIGTERM, then SIGKILL after the grace period. Replies <see cref="ProcessExited"/>
/// once it is gone, or <see cref="ProcessNotFound"/>.
/// </summary>
/// <param name="ProcessId">The spec's id.</param>
public sealed record TerminateProcess(long ProcessId) : IWireMessage;

/// <summary>Kill a process at once (SIGKILL). Replies <see cref="ProcessExited"/> once it is gone, or <see cref="ProcessNotFound"/>.</summary>
/// <param name="ProcessId">The spec's id.</param>
public sealed record KillProcess(long ProcessId) : IWireMessage;

/// <summary>A reply to <see cref="JoinProcess"/>, <see cref="TerminateProcess"/> or <see cref="KillProcess"/>.</summary>
public interface IProcessExitResponse
{
    /// <summary>The <see cref="ProcessSpec.Id"/> of the request.</summary>
    long ProcessId { get; }
}

/// <summary>The process has exited.</summary>
/// <param name="ProcessId">The spec's id.</param>
/// <param name="Pid">The OS process id it had.</param>
/// <param name="ExitCode">
/// 0: the target returned. 1: the target threw (<paramref name="Error"/> says what).
/// Negative: killed by that signal, as in Python (-9 SIGKILL, -15 SIGTERM). Otherwise the code the
/// target passed to <see cref="Environment.Exit(int)"/>.
/// </param>
/// <param name="Error">The exception the target threw, if it threw.</param>
public sealed record ProcessExited(long ProcessId, int Pid, int ExitCode, RemoteError? Error) : IProcessExitResponse, IWireMessage
{
    /// <summary>
    /// Why the process ended (a stack overflow, <see cref="Environment.FailFast(string)"/>, out of memory,
    /// a signal, a kill by this driver, a plain exit), with the last lines of its stderr; diagnosed by
    /// the supervisor that was its OS parent (a Host node's, for a worker there). <see langword="null"/>
    /// when no supervisor saw the exit (a worker lost with its Host node).
    /// </summary>
    public WorkerExitCause? Cause { get; init; }
}

/// <summary>No process with that id was ever started by this supervisor.</summary>
/// <param name="ProcessId">The id asked for.</param>
public sealed record ProcessNotFound(long ProcessId) : IProcessExitResponse, IWireMessage;

/// <summary>Asks the supervisor which processes are running. Replies <see cref="RunningProcesses"/>.</summary>
public sealed record ListProcesses : IWireMessage
{
    /// <summary>The one instance.</summary>
    public static readonly ListProcesses Instance = new();
}

/// <summary>The ids of the processes the supervisor has started and that have not yet exited.</summary>
/// <param name="ProcessIds">Their <see cref="ProcessSpec.Id"/>s.</param>
public sealed record RunningProcesses(ImmutableArray<long> ProcessIds) : IWireMessage;
