using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaCluster = Akka.Cluster.Cluster;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// Pool-map semantics over remote-deployed worker actors. Workers are fed by credit: each holds at
/// most a map's window of chunks, refilled as results return, so an idle worker gets work and a slow
/// one cannot hoard it; many small chunks travel in one message. The router learns of a worker's
/// death from its supervisor (the OS parent), dispatches its chunks again and starts a replacement.
/// </summary>
internal sealed partial class PoolRouter : UntypedActor, IWithTimers
{
    private const int StartFailuresAllowed = 3;

    /// <summary>Round trips tried, 2 s apart, before a Host node's worker that never answers is replaced.</summary>
    private const int ConnectionAttempts = 15;

    private readonly IActorRef _supervisor;

    public ITimerScheduler Timers { get; set; } = null!;
    private readonly PoolSettings _settings;
    private readonly Dictionary<long, WorkerSlot> _slots = [];
    private readonly Dictionary<IActorRef, WorkerSlot> _slotsByActor = [];
    private readonly List<MapJob> _jobs = [];
    private readonly Dictionary<long, MapJob> _jobsById = [];
    private readonly List<IActorRef> _stopWaiters = [];
    private readonly List<(int Count, IActorRef Waiter)> _readyWaiters = [];
    private readonly HashSet<IActorRef> _lostSupervisors = [];

    /// <summary>How many serving workers the pool wants under each supervisor: the driver's, and each Host node's.</summary>
    private readonly Dictionary<IActorRef, int> _workersWanted = [];
    private readonly HashSet<Address> _nodes = [];
    private Exception? _broken;
    private int _startFailuresInARow;
    private int _processesStarted;
    private long _dispatchOrder;
    private bool _closing;
    private bool _terminating;

    public PoolRouter(IActorRef supervisor, PoolSettings settings)
    {
        _supervisor = supervisor;
        _settings = settings;
    }

    public static Props Props(IActorRef supervisor, PoolSettings settings) =>
        Akka.Actor.Props.Create(() => new PoolRouter(supervisor, settings));

    protected override void PreStart()
    {
        _workersWanted[_supervisor] = _settings.Processes;
        Replenish(_supervisor);
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
        foreach (var slot in _slots.Values)
        {
            slot.Supervisor.Tell(new TerminateProcess(slot.ProcessId));
        }
        _slots.Clear();
    }

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
            Context.GetLogger().Error(fault, "ActorParallel pool router {0} failed handling {1}; the pool is broken and its workers are ended.", Self.Path.Name, message.GetType().Name);
            Break(new InvalidOperationException($"The pool failed in its own code while handling {message.GetType().Name}: {fault.Message} It takes no more work; create a new pool.", fault));
            foreach (var slot in _slots.Values)
            {
                slot.Supervisor.Tell(new TerminateProcess(slot.ProcessId));
            }
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
                if (_jobsById.TryGetValue(ready.MapId, out var readyJob))
                {
                    CompleteIfDone(readyJob);
                }
                Dispatch();
                break;
            case CancelMap cancel when _jobsById.TryGetValue(cancel.MapId, out var cancelled):
                RemoveJob(cancelled);
                Dispatch();
                break;
            case ChunkResults results:
                HandleResults(results);
                break;
            case ChunkFailed failed:
                HandleChunkFailed(failed);
                break;
            case AbandonMap abandoned:
                HandleAbandoned(abandoned);
                break;
            case InitializerFailed failed:
                Break(new RemoteException(failed.Error, "The pool's initializer").Rebuild());
                break;
            case ProcessStarted started when _slots.TryGetValue(started.ProcessId, out var slot):
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
                RetireIdleWorkersIfClosed();
                ReplyIfStopped();
                break;
            case TerminatePool:
                HandleTerminate();
                break;
            case GetPoolStatus:
                Sender.Tell(Status() with { Detail = Describe() });
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
            case Terminated terminated:
                HandleHostNodeLost(terminated.ActorRef);
                break;
            case CancelMap or ProcessStarted or ProcessNotFound or ClusterEvent.MemberUp:
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
        _jobs.Add(job);
        _jobsById[job.Id] = job;
        Dispatch();
    }

    private PoolStatus Status() =>
        new(_slots.Values.Where(s => s.IsServing).Select(s => s.Pid).Order().ToImmutableArray(), _processesStarted);

    /// <summary>Each worker slot and map as the router sees them, for diagnosing a stalled map.</summary>
    private string Describe() =>
        string.Join("; ", _slots.Values.Select(s =>
            $"slot {s.ProcessId} pid {s.Pid} via {s.Supervisor.Path} actor {s.Actor?.Path.ToString() ?? "-"} in flight {s.InFlight.Count} known maps {s.KnownMaps.Count} done {s.TasksDone} retiring {s.Retiring} isolated {s.Isolated is not null}")
            .Concat(_jobs.Select(j => $"map {j.Id}: {j}")));

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

    private void HandleResults(ChunkResults results)
    {
        if (!_slotsByActor.TryGetValue(Sender, out var slot))
        {
            return;
        }
        _startFailuresInARow = 0;
        _jobsById.TryGetValue(results.MapId, out var job);
        var finished = 0;
        foreach (var segment in results.Results)
        {
            if (!slot.InFlight.TryGetValue((results.MapId, segment.Seq), out var chunk))
            {
                continue;
            }
            (chunk.Segments ??= []).Add(segment);
            chunk.ItemsReceived += segment.ItemCount;
            if (chunk.ItemsReceived < chunk.Count)
            {
                continue;
            }
            slot.InFlight.Remove((results.MapId, segment.Seq));
            if (slot.Isolated == chunk)
            {
                slot.Isolated = null;
            }
            slot.TasksDone++;
            finished++;
            if (job is not null)
            {
                job.InFlight--;
                if (job.Finished.Add(chunk.Seq))
                {
                    job.Output.Writer.TryWrite(new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [.. chunk.Segments]));
                }
            }
        }
        if (job is not null && finished > 0)
        {
            var micros = (double)results.ComputeMicros / finished;
            job.MicrosPerChunk = job.MicrosPerChunk <= 0 ? micros : (0.7 * job.MicrosPerChunk) + (0.3 * micros);
            CompleteIfDone(job);
        }
        RetireIfDone(slot);
        Dispatch();
    }

    private void HandleChunkFailed(ChunkFailed failed)
    {
        if (!_slotsByActor.TryGetValue(Sender, out var slot))
        {
            return;
        }
        slot.InFlight.Remove((failed.MapId, failed.Seq), out var chunk);
        if (slot.Isolated == chunk)
        {
            slot.Isolated = null;
        }
        if (_jobsById.TryGetValue(failed.MapId, out var job))
        {
            job.InFlight--;
            var context = chunk is not null && failed.ItemIndex >= 0
                ? job.DescribeItem(chunk.Offset + failed.ItemIndex)
                : job.DescribeChunk(failed.Seq);
            var itemIndex = chunk is not null && failed.ItemIndex >= 0 ? chunk.Offset + failed.ItemIndex : (int?)null;
            var error = new RemoteException(failed.Error, context) { ItemIndex = itemIndex }.Rebuild();
            if (job.Ordered && chunk is not null)
            {
                FailAt(job, chunk, error);
            }
            else
            {
                job.Fail(error);
                RemoveJob(job);
            }
        }
        RetireIfDone(slot);
        Dispatch();
    }

    private void HandleTerminate()
    {
        _terminating = true;
        ReplyToReadyWaiters();
        _stopWaiters.Add(Sender);
        foreach (var job in _jobs.ToList())
        {
            job.Fail(new OperationCanceledException("The pool was terminated."));
            RemoveJob(job);
        }
        foreach (var slot in _slots.Values)
        {
            slot.Supervisor.Tell(new TerminateProcess(slot.ProcessId));
        }
        ReplyIfStopped();
    }

    private void Break(Exception error)
    {
        _broken ??= error;
        ReplyToReadyWaiters();
        foreach (var job in _jobs.ToList())
        {
            job.Fail(error);
            RemoveJob(job);
        }
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
