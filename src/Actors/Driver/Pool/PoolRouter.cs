using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>
/// Pool-map semantics over remote-deployed worker actors. Workers are fed by credit: each holds at
/// most a map's window of chunks, refilled as results return, so an idle worker gets work and a slow
/// one cannot hoard it; many small chunks travel in one message. The router learns of a worker's
/// death from its supervisor (the OS parent), dispatches its chunks again and starts a replacement.
/// The actor is the shell: messages, timers, cluster membership and the pool's lifecycle; which chunk
/// goes where is <see cref="ChunkScheduler"/>'s, and which workers run is <see cref="WorkerSlots"/>'.
/// </summary>
internal sealed partial class PoolRouter : UntypedActor, IWithTimers, IRouterActions
{
    private const int StartFailuresAllowed = 3;

    /// <summary>Round trips tried, 2 s apart, before a Host node's worker that never answers is replaced.</summary>
    private const int ConnectionAttempts = 15;

    private readonly IActorRef _supervisor;
    private readonly PoolSettings _settings;
    private readonly WorkerSlots _slots;
    private readonly ChunkScheduler _scheduler;
    private readonly StuckWorkers _stuck;
    private readonly ILogger _log = ActorParallelLogging.Get(Context.System).CreateLogger(LogCategories.Pool);
    private readonly List<IActorRef> _stopWaiters = [];
    private readonly List<(int Count, IActorRef Waiter)> _readyWaiters = [];
    private readonly HashSet<Address> _nodes = [];
    private Exception? _broken;
    private int _startFailuresInARow;
    private bool _closing;
    private bool _terminating;

    public PoolRouter(IActorRef supervisor, PoolSettings settings)
    {
        _supervisor = supervisor;
        _settings = settings;
        _slots = new WorkerSlots(settings, this);
        _scheduler = new ChunkScheduler(settings, _slots, this);
        _stuck = new StuckWorkers(settings, _slots, _scheduler, this, _log);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    bool IRouterActions.Closing => _closing;

    bool IRouterActions.MayStartWorkers => !_terminating && _broken is null && !(_closing && _scheduler.Jobs.Count == 0);

    public static Props Props(IActorRef supervisor, PoolSettings settings) =>
        Akka.Actor.Props.Create(() => new PoolRouter(supervisor, settings));

    private readonly WireSegments _segments = WireSegments.Get(Context.System);

    void IRouterActions.StartWorker(IActorRef supervisor, ProcessSpec spec)
    {
        supervisor.Tell(new StartProcess(spec), Self);
        supervisor.Tell(new JoinProcess(spec.Id), Self);
    }

    // Through the segments extension: a chunk larger than a remoting frame reaches a Host node's worker in pieces, in order.
    void IRouterActions.Tell(IActorRef recipient, object message) => _segments.Send(recipient, message, Self);

    void IRouterActions.Schedule(object key, object message, TimeSpan delay) => Timers.StartSingleTimer(key, message, delay);

    protected override void PreStart()
    {
        // Its workers are the supervisor's children: without it (the runtime disposed), the pool has none.
        Context.Watch(_supervisor);
        _slots.Want(_supervisor, _settings.Processes);
        if (_settings.HostNodeRole is not null)
        {
            // Nodes up now arrive first, as events; nodes that join later arrive the same way.
            AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        }
    }

    protected override void PostStop()
    {
        if (_settings.HostNodeRole is not null)
        {
            AkkaCluster.Get(Context.System).Unsubscribe(Self);
        }
        // However the router ends, its worker processes end with it: none is left running unowned.
        _slots.TerminateAll();
        _slots.Clear();
        _scheduler.ClearBacklog();
        // Ended by its runtime's disposal or its system's end, not by the pool: nothing waits for ever.
        _terminating = true;
        _scheduler.FailAll(() => new OperationCanceledException(Ended));
        ReplyToReadyWaiters();
        _stopWaiters.ForEach(waiter => waiter.Tell(PoolStopped.Instance));
        _stopWaiters.Clear();
    }

    /// <summary>Why the maps of a pool whose router ended without being terminated fail.</summary>
    public const string Ended = "The pool was terminated: its runtime was disposed or its ActorSystem stopped.";

    /// <summary>
    /// A fault in the router's own code (never the user's: that arrives as a failed chunk) must not
    /// restart it, which would forget its workers while they run on. The pool is broken instead, with
    /// the fault as the reason every waiting and later call gets, and its workers are ended.
    /// </summary>
    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception fault)
        {
            _log.LogError(fault, "ActorParallel pool {Pool} failed handling {MessageType}; the pool is broken and its workers are ended.", _settings.Name, message.GetType().Name);
            Break(new InvalidOperationException($"The pool failed in its own code while handling {message.GetType().Name}: {fault.Message} It takes no more work; create a new pool.", fault));
            _slots.TerminateAll();
        }
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case SubmitMap submit:
                HandleSubmit(submit.Job);
                break;
            case MapInputReady ready:
                _scheduler.InputReady(ready.MapId);
                break;
            case CancelMap cancel:
                _scheduler.Cancel(cancel.MapId);
                _stuck.MapCancelled(cancel.MapId);
                break;
            case CancelChunk cancel:
                _stuck.ChunkCancelled(cancel);
                break;
            case CancelledChunkOverdue overdue:
                _stuck.GraceOver(overdue);
                break;
            case ChunkResults results when _slots.TryGetByActor(Sender, out var slot):
                _startFailuresInARow = 0;
                _scheduler.TakeResults(slot, results);
                break;
            case ChunkFailed failed when _slots.TryGetByActor(Sender, out var slot):
                _scheduler.TakeFailure(slot, failed);
                break;
            case AbandonChunk abandoned when _slots.TryGetByActor(Sender, out var slot):
                _scheduler.AbandonedChunk(slot, abandoned);
                break;
            case ChunksReclaimed reclaimed when _slots.TryGetByActor(Sender, out var slot):
                _scheduler.TakeReclaimed(slot, reclaimed);
                break;
            case ReclaimCheck:
                _scheduler.Dispatch();
                break;
            case RetriesEnded ended:
                _scheduler.CountFailed(ended.Error);
                break;
            case ItemOverdue overdue when _slots.TryGetByActor(Sender, out var slot):
                _stuck.ItemOverdue(slot, overdue);
                break;
            case AbandonMap abandoned when _slots.TryGetByActor(Sender, out var slot):
                _scheduler.Abandoned(slot, abandoned.MapId);
                break;
            case MemoryOverBudget over when _slots.TryGetByActor(Sender, out var slot):
                WorkerExitReport.LogRecycled(_log, _settings.Name, slot, over);
                _slots.Recycle(slot);
                break;
            case InitializerFailed failed:
                Break(new RemoteException(failed.Error, "The pool's initializer").Rebuild());
                break;
            case ProcessStarted started when _slots.TryGet(started.ProcessId, out var slot):
                slot.Pid = started.Pid;
                break;
            case ProcessStartFailed failed:
                HandleStartFailed(failed);
                break;
            case WorkerReady ready:
                HandleReady(ready);
                break;
            case ActorIdentity identity:
                HandleIdentity(identity);
                break;
            case ConfirmWorkerConnection confirm:
                ConfirmConnection(confirm.ProcessId, confirm.Attempt);
                break;
            case ProcessExited exited:
                HandleWorkerExit(exited);
                break;
            case ClosePool:
                _closing = true;
                _stopWaiters.Add(Sender);
                _scheduler.RetireIdleWorkersIfClosed();
                ReplyIfStopped();
                break;
            case TerminatePool:
                HandleTerminate();
                break;
            case GetPoolStatus:
                Sender.Tell(Status() with { Detail = string.Join("; ", _slots.Describe().Concat(_scheduler.Describe())) });
                break;
            case AwaitWorkers awaitWorkers:
                _readyWaiters.Add((awaitWorkers.Count, Sender));
                ReplyToReadyWaiters();
                break;
            case ClusterEvent.MemberUp up when up.Member.HasRole(ParallelRuntime.HostNodeRole) && up.Member.HasRole(_settings.HostNodeRole!):
                HandleNodeUp(up.Member.Address, _settings.ProcessesPerHostNode ?? HostNodes.WorkersOffered(up.Member));
                break;
            case HostNodeFound found:
                HandleNodeFound(found);
                break;
            case HostNodeMissing missing:
                LoseCapacity($"Host node {missing.Node} could not be reached ({missing.Reason})");
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_supervisor):
                Context.Stop(Self);
                break;
            case Terminated terminated:
                HandleHostNodeLost(terminated.ActorRef);
                break;
            case ChunkResults or ChunkFailed or AbandonMap or AbandonChunk or ChunksReclaimed or ItemOverdue or MemoryOverBudget or ProcessStarted or ProcessNotFound or ClusterEvent.MemberUp:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandleSubmit(MapJob job)
    {
        if (_broken is not null || _closing || _terminating)
        {
            job.Fail(_broken ?? new InvalidOperationException(_terminating ? "The pool was terminated." : "The pool is closed: it takes no new work."));
            return;
        }
        _scheduler.Submit(job);
    }

    private PoolStatus Status() => new(_slots.ServingPids, _slots.ProcessesStarted);

    private void ReplyToReadyWaiters()
    {
        if (_readyWaiters.Count == 0)
        {
            return;
        }
        var status = Status();
        var noneWillCome = _closing || _terminating || _broken is not null;
        _readyWaiters.RemoveAll(entry =>
        {
            if (status.ReadyPids.Length < entry.Count && !noneWillCome)
            {
                return false;
            }
            entry.Waiter.Tell(status);
            return true;
        });
    }

    private void HandleReady(WorkerReady ready)
    {
        if (!_slots.TryGet(ready.ProcessId, out var slot))
        {
            return;
        }
        if (!slot.Supervisor.Path.Address.HasLocalScope)
        {
            // A Host node's worker was deployed by its node: this driver has never spoken to its
            // process. Remoting drops what it sends while a first connection is still being made (and
            // for a while after one fails), which lost whole chunks under load. So the worker takes
            // work only once a round trip with it has succeeded.
            slot.Unconfirmed = ready.Worker;
            ConfirmConnection(slot.ProcessId, attempt: 1);
            return;
        }
        TakeIntoService(slot, ready.Worker);
    }

    private void TakeIntoService(WorkerSlot slot, IActorRef worker)
    {
        _slots.TakeIntoService(slot, worker);
        ReplyToReadyWaiters();
        // Closed with maps still running: the new worker helps finish them (or, with none left, retires).
        _scheduler.RetireIdleWorkersIfClosed();
        _scheduler.Dispatch();
    }

    private void HandleStartFailed(ProcessStartFailed failed)
    {
        if (!_slots.RemoveFailedStart(failed.ProcessId, out var slot))
        {
            return;
        }
        if (++_startFailuresInARow >= StartFailuresAllowed)
        {
            Break(new InvalidOperationException($"The pool cannot start worker processes: {failed.Reason}"));
            return;
        }
        _slots.Replenish(slot.Supervisor);
    }

    private void HandleWorkerExit(ProcessExited exited)
    {
        if (!_slots.RemoveExited(exited.ProcessId, out var slot))
        {
            return;
        }
        if (!slot.WasReady && !_terminating && ++_startFailuresInARow >= StartFailuresAllowed)
        {
            Break(new InvalidOperationException($"Pool worker processes exit before they are ready (last exit code {exited.ExitCode})."));
        }
        WorkerExitReport.LogIfUnexpected(_log, _settings.Name, slot, exited, _terminating);
        _scheduler.WorkerLost(slot, exited.ExitCode, exited.Cause);
        _slots.Replenish(slot.Supervisor);
        _scheduler.Dispatch();
        ReplyIfStopped();
    }

    private void HandleTerminate()
    {
        _terminating = true;
        ReplyToReadyWaiters();
        _stopWaiters.Add(Sender);
        _scheduler.FailAll(() => new OperationCanceledException("The pool was terminated."));
        _slots.TerminateAll();
        ReplyIfStopped();
    }

    private void Break(Exception error)
    {
        _broken ??= error;
        ReplyToReadyWaiters();
        _scheduler.FailAll(() => error);
    }

    private void ReplyIfStopped()
    {
        if ((_closing || _terminating) && _slots.Count == 0)
        {
            _stopWaiters.ForEach(waiter => waiter.Tell(PoolStopped.Instance));
            _stopWaiters.Clear();
        }
    }
}
