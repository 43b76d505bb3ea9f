using ActorParallel.Configuration;
using System.Collections.Immutable;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>
/// The driver's supervisor of worker processes: one <see cref="WorkerProcessActor"/> child per
/// running process, the worker processes launched ahead of need, and a record of how finished ones
/// exited so that a late join still gets its answer.
/// </summary>
internal sealed class ProcessSupervisor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private const int FinishedRecordLimit = 100_000;

    private readonly ParallelRuntimeOptions _options;
    private readonly Dictionary<long, ProcessExited> _finished = [];
    private readonly Queue<long> _finishedOrder = new();
    private readonly PrelaunchedWorkers _prelaunched;
    private readonly HashSet<IActorRef> _launching = [];
    private readonly LinkedList<IActorRef> _waitingToLaunch = new();
    private readonly bool _driverOnly;

    /// <summary>
    /// Since when a Host node has stashed orders that came before its view of the cluster showed its
    /// driver (the view is updated a moment after the membership itself, and the driver may send as soon
    /// as it sees the node up); <see langword="null"/> when none wait.
    /// </summary>
    private DateTime? _waitingForDriverSince;

    /// <summary>The driver stayed unknown for <see cref="Timeouts.DriverKnown"/>: orders from other members are refused at once.</summary>
    private bool _driverWaitExpired;

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public ProcessSupervisor(ParallelRuntimeOptions options, PrelaunchedWorkers prelaunched, bool driverOnly)
    {
        _options = options;
        _prelaunched = prelaunched;
        _driverOnly = driverOnly;
    }

    /// <param name="options">The runtime's options.</param>
    /// <param name="prelaunched">Processes launched ahead of need (possibly before this system existed); the supervisor owns them from now on.</param>
    /// <param name="driverOnly">
    /// A Host node's supervisor: it takes orders only from its own system and from the driver of the
    /// cluster it joined (the oldest member), not from other members.
    /// </param>
    public static Props Props(ParallelRuntimeOptions options, PrelaunchedWorkers prelaunched, bool driverOnly = false) =>
        Akka.Actor.Props.Create(() => new ProcessSupervisor(options, prelaunched, driverOnly));

    // A process actor that fails is stopped, never restarted: a restart would launch a second OS process.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void OnReceive(object message)
    {
        if (_driverOnly && message is StartProcess or JoinProcess or TerminateProcess or KillProcess or ListProcesses)
        {
            switch (FromThisNodeOrItsDriver(Sender))
            {
                case false:
                    Refuse(message, Sender);
                    return;
                case null when !_driverWaitExpired:
                    WaitForDriver();
                    return;
                case null:
                    Refuse(message, Sender);
                    return;
            }
        }
        switch (message)
        {
            case DriverKnown:
                ReleaseWaitingForDriver();
                break;
            case StartProcess start:
                HandleStart(start);
                break;
            case JoinProcess join:
                Route(join.ProcessId, join);
                break;
            case TerminateProcess terminate:
                Route(terminate.ProcessId, terminate);
                break;
            case KillProcess kill:
                Route(kill.ProcessId, kill);
                break;
            case ListProcesses:
                HandleList();
                break;
            case ProcessExited exited:
                Record(exited);
                // Spares taken are replaced soon after a process ends (once per delay, however many
                // end): a spare's start then does not compete for the cores with the processes that took them.
                if (_prelaunched.Spares > 0 && !Timers.IsTimerActive(RefillSpares.Instance))
                {
                    Timers.StartSingleTimer(RefillSpares.Instance, RefillSpares.Instance, Timeouts.SpareRefillDelay);
                }
                break;
            case RefillSpares:
                _prelaunched.Refill();
                break;
            case SparesWaiting:
                if (Timers.IsTimerActive(RefillSpares.Instance))
                {
                    // A replacement is due: launched now, so that the answer covers it.
                    Timers.Cancel(RefillSpares.Instance);
                    _prelaunched.Refill();
                }
                Sender.Tell(_prelaunched.WaitingAsync());
                break;
            case LaunchSlot.Release:
                ReleaseSlot(Sender);
                break;
            case Terminated terminated:
                _waitingToLaunch.Remove(terminated.ActorRef);
                ReleaseSlot(terminated.ActorRef);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// The processes still running. A process actor that has reported its exit is stopping and still a
    /// child for a moment; its process is not running, and a caller whose join has returned must not see
    /// it here (the actor tells this supervisor before any joiner, so its record is always here first).
    /// </summary>
    private void HandleList() =>
        Sender.Tell(new RunningProcesses(Context.GetChildren()
            .Select(child => long.Parse(child.Path.Name.AsSpan(2)))
            .Where(processId => !_finished.ContainsKey(processId))
            .ToImmutableArray()));

    /// <summary>Whether the sender may give this Host node orders; <see langword="null"/> while this node's view of the cluster shows no driver yet.</summary>
    private bool? FromThisNodeOrItsDriver(IActorRef sender)
    {
        var address = sender.Path.Address;
        if (address.HasLocalScope || address.Equals(Cluster.Get(Context.System).SelfAddress))
        {
            return true;
        }
        return Driver.HostNodes.DriverOf(Context.System) is { } driver ? address.Equals(driver) : null;
    }

    /// <summary>Stashes an order until this node's view shows its driver (looked at every 50 ms), at most <see cref="Timeouts.DriverKnown"/>.</summary>
    private void WaitForDriver()
    {
        if (_waitingForDriverSince is null)
        {
            _waitingForDriverSince = DateTime.UtcNow;
            Timers.StartPeriodicTimer(DriverKnown.Instance, DriverKnown.Instance, TimeSpan.FromMilliseconds(50));
        }
        Stash.Stash();
    }

    /// <summary>The orders stashed go ahead of everything else, in order: let through once the driver is known, refused once the wait is over.</summary>
    private void ReleaseWaitingForDriver()
    {
        if (_waitingForDriverSince is not { } since)
        {
            return;
        }
        if (Driver.HostNodes.DriverOf(Context.System) is null)
        {
            if (DateTime.UtcNow - since < Timeouts.DriverKnown)
            {
                return;
            }
            _driverWaitExpired = true;
        }
        Timers.Cancel(DriverKnown.Instance);
        _waitingForDriverSince = null;
        Stash.UnstashAll();
    }

    private void Refuse(object message, IActorRef sender)
    {
        var why = $"refused: {sender.Path.Address} is not the driver of the cluster this Host node joined; only that driver starts and ends processes here.";
        ActorParallelLogging.Get(Context.System).CreateLogger(LogCategories.Nodes).LogWarning("ActorParallel Host node {Refusal}", why);
        sender.Tell(message switch
        {
            StartProcess start => new ProcessStartFailed(start.Spec.Id, why),
            JoinProcess join => new ProcessNotFound(join.ProcessId),
            TerminateProcess terminate => new ProcessNotFound(terminate.ProcessId),
            KillProcess kill => new ProcessNotFound(kill.ProcessId),
            _ => (object)new RunningProcesses([]),
        });
    }

    // Spares get their direct links now that the payload limit is known (a Host node keeps none).
    protected override void PreStart() => _prelaunched.LinkSpares(MessageLimits.MaxPayloadBytes(Context.System));

    // Prelaunched workers that nobody adopted end with the supervisor; adopted ones end with their process actors.
    protected override void PostStop() => _prelaunched.Dispose();

    private static string ChildName(long processId) => $"p-{processId}";

    private void HandleStart(StartProcess start)
    {
        var id = start.Spec.Id;
        if (_finished.ContainsKey(id) || !Context.Child(ChildName(id)).IsNobody())
        {
            Sender.Tell(new ProcessStartFailed(id, $"Process '{start.Spec.Name}' was already started: a process can be started only once."));
            return;
        }
        // A prelaunched worker is already starting: adopting it needs no launch slot.
        var prelaunched = _prelaunched.Take(linkedToThisDriver: !start.Spec.Serves && Sender.Path.Address.HasLocalScope);
        var launchNow = prelaunched is null && _launching.Count < _options.MaxConcurrentLaunches;
        var child = Context.Watch(Context.ActorOf(WorkerProcessActor.Props(start.Spec, Sender, _options, prelaunched, launchNow), ChildName(id)));
        if (launchNow)
        {
            _launching.Add(child);
        }
        else if (prelaunched is null)
        {
            _waitingToLaunch.AddLast(child);
        }
    }

    /// <summary>
    /// A process start is mostly CPU (runtime, Akka, JIT): starting fifty at once on two cores made
    /// each take so long that some missed the start timeout. Launches beyond the limit wait, in the
    /// order they were asked for, for a slot, which is held from launch until the worker connects
    /// back (or its actor stops).
    /// </summary>
    private void ReleaseSlot(IActorRef child)
    {
        if (!_launching.Remove(child))
        {
            return;
        }
        if (_waitingToLaunch.First is { } next)
        {
            _waitingToLaunch.RemoveFirst();
            _launching.Add(next.Value);
            next.Value.Tell(LaunchSlot.Granted.Instance);
        }
    }

    private void Route(long processId, object message)
    {
        // The record first: a process actor that has reported its exit is stopping, and a message
        // forwarded to it now would be lost.
        var child = Context.Child(ChildName(processId));
        if (_finished.TryGetValue(processId, out var exited))
        {
            Sender.Tell(exited);
        }
        else if (!child.IsNobody())
        {
            child.Forward(message);
        }
        else
        {
            Sender.Tell(new ProcessNotFound(processId));
        }
    }

    private void Record(ProcessExited exited)
    {
        if (!_finished.TryAdd(exited.ProcessId, exited))
        {
            return;
        }
        _finishedOrder.Enqueue(exited.ProcessId);
        if (_finishedOrder.Count > FinishedRecordLimit)
        {
            _finished.Remove(_finishedOrder.Dequeue());
        }
    }
}

/// <summary>The supervisor's timer that replaces the spare processes taken (<see cref="Timeouts.SpareRefillDelay"/>).</summary>
internal sealed class RefillSpares
{
    public static readonly RefillSpares Instance = new();
}

/// <summary>A Host node's supervisor's timer: look again whether its view of the cluster shows its driver (<see cref="Timeouts.DriverKnown"/>).</summary>
internal sealed class DriverKnown
{
    public static readonly DriverKnown Instance = new();
}
