using System.Collections.Immutable;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// The router's worker processes: one <see cref="WorkerSlot"/> each, from the start of its process to
/// its exit. Decides when a worker is started (the one place that replaces workers, per supervisor),
/// takes a ready worker into service (pinning a local one to a CPU), and retires workers (max tasks
/// per child, close).
/// </summary>
internal sealed class WorkerSlots(PoolSettings settings, IRouterActions router)
{
    private readonly Dictionary<long, WorkerSlot> _slots = [];
    private readonly Dictionary<IActorRef, WorkerSlot> _slotsByActor = [];

    /// <summary>How many serving workers the pool wants under each supervisor: the driver's, and each Host node's.</summary>
    private readonly Dictionary<IActorRef, int> _workersWanted = [];
    private readonly HashSet<IActorRef> _lostSupervisors = [];

    /// <summary>Every slot, from the start of its process to its exit.</summary>
    public IReadOnlyCollection<WorkerSlot> All => _slots.Values;

    public int Count => _slots.Count;

    /// <summary>Worker processes started in all, replacements included.</summary>
    public int ProcessesStarted { get; private set; }

    /// <summary>The OS pids of the workers serving now, in order.</summary>
    public ImmutableArray<int> ServingPids => _slots.Values.Where(s => s.IsServing).Select(s => s.Pid).Order().ToImmutableArray();

    public bool TryGet(long processId, out WorkerSlot slot) => _slots.TryGetValue(processId, out slot!);

    /// <summary>The slot of a worker actor in service (not yet told to exit).</summary>
    public bool TryGetByActor(IActorRef worker, out WorkerSlot slot) => _slotsByActor.TryGetValue(worker, out slot!);

    /// <summary>The pool wants <paramref name="workers"/> serving under <paramref name="supervisor"/>: starts them.</summary>
    public void Want(IActorRef supervisor, int workers)
    {
        _workersWanted[supervisor] = workers;
        Replenish(supervisor);
    }

    /// <summary>
    /// Starts workers under <paramref name="supervisor"/> until it has as many serving (not retiring) as
    /// the pool wants there: the one place that decides on replacements, so however workers end - exit,
    /// crash, failed start, retirement - a pool of N never holds more than N workers plus those retiring.
    /// None while the pool is terminating, broken, closed with nothing left to run, or the node is lost.
    /// </summary>
    public void Replenish(IActorRef supervisor)
    {
        if (!router.MayStartWorkers || _lostSupervisors.Contains(supervisor) || !_workersWanted.TryGetValue(supervisor, out var wanted))
        {
            return;
        }
        var serving = _slots.Values.Count(slot => slot.Supervisor.Equals(supervisor) && !slot.Retiring);
        for (; serving < wanted; serving++)
        {
            StartWorker(supervisor);
        }
    }

    /// <summary>The worker is ready and reachable: it takes work from now on.</summary>
    public void TakeIntoService(WorkerSlot slot, IActorRef worker)
    {
        slot.Actor = worker;
        slot.WasReady = true;
        _slotsByActor[worker] = slot;
        PinIfPlanned(slot, worker);
        if (settings.MaxWorkerMemoryBytes is { } budget)
        {
            router.Tell(worker, new SetMemoryBudget(budget));
        }
        if (settings.Initializer is { } initializer)
        {
            router.Tell(worker, new RunInitializer(initializer));
        }
    }

    /// <summary>The process could not start: its slot goes; <see langword="false"/> if it was not the pool's.</summary>
    public bool RemoveFailedStart(long processId, out WorkerSlot slot) => _slots.Remove(processId, out slot!);

    /// <summary>The process exited: its slot goes; <see langword="false"/> if it was not the pool's.</summary>
    public bool RemoveExited(long processId, out WorkerSlot slot)
    {
        if (!_slots.Remove(processId, out slot!))
        {
            return false;
        }
        if (slot.Actor is not null)
        {
            _slotsByActor.Remove(slot.Actor);
        }
        return true;
    }

    /// <summary>A Host node is gone: no worker is started under its supervisor again. Returns the slots it held.</summary>
    public List<WorkerSlot> LoseSupervisor(IActorRef supervisor)
    {
        _lostSupervisors.Add(supervisor);
        return _slots.Values.Where(s => s.Supervisor.Equals(supervisor)).ToList();
    }

    /// <summary>Retires the worker once it has done its tasks (max tasks per child); a retiring worker exits once it holds nothing.</summary>
    public void RetireIfDone(WorkerSlot slot)
    {
        if (settings.MaxTasksPerChild is { } max && slot.TasksDone >= max && !slot.Retiring)
        {
            slot.Retiring = true;
            Replenish(slot.Supervisor);
        }
        if (slot.Retiring && slot.InFlight.Count == 0 && slot.Actor is { } actor)
        {
            router.Tell(actor, new ExitWorker(ExitCodes.Success));
            slot.Actor = null;
            _slotsByActor.Remove(actor);
        }
    }

    /// <summary>
    /// The worker went above its memory budget and runs nothing more: a fresh process replaces it now,
    /// and it is told to exit. The chunks it held run elsewhere once it has, without blame (it was the
    /// pool's decision to end it, not theirs).
    /// </summary>
    public void Recycle(WorkerSlot slot)
    {
        slot.KilledByPool = true;
        slot.Retiring = true;
        Replenish(slot.Supervisor);
        if (slot.Actor is { } actor)
        {
            // Still its results' sender until it exits: the worker says it is over budget just before
            // sending the results of the chunks it ran last, and those count.
            router.Tell(actor, new ExitWorker(ExitCodes.Success));
        }
    }

    /// <summary>Every worker retires: those holding nothing exit now, the others when they have finished.</summary>
    public void RetireAll()
    {
        foreach (var slot in _slots.Values.ToArray())
        {
            slot.Retiring = true;
            RetireIfDone(slot);
        }
    }

    /// <summary>Ends every worker process now, through its supervisor.</summary>
    public void TerminateAll()
    {
        foreach (var slot in _slots.Values)
        {
            router.Tell(slot.Supervisor, new TerminateProcess(slot.ProcessId));
        }
    }

    public void Clear() => _slots.Clear();

    /// <summary>Each slot as the router sees it, for diagnosing a stalled map.</summary>
    public IEnumerable<string> Describe() =>
        _slots.Values.Select(s =>
            $"slot {s.ProcessId} pid {s.Pid} via {s.Supervisor.Path} actor {s.Actor?.Path.ToString() ?? "-"} in flight {s.InFlight.Count} known maps {s.KnownMaps.Count} done {s.TasksDone} retiring {s.Retiring} isolated {s.Isolated is not null}");

    private void StartWorker(IActorRef supervisor)
    {
        var spec = ProcessSpec.ForServing($"{settings.Name}-worker-{++ProcessesStarted}");
        _slots[spec.Id] = new WorkerSlot(spec.Id, supervisor);
        router.StartWorker(supervisor, spec);
    }

    /// <summary>Binds a local worker to the CPU that the fewest of the pool's other local workers hold (a replacement gets its predecessor's).</summary>
    private void PinIfPlanned(WorkerSlot slot, IActorRef worker)
    {
        if (settings.WorkerCpus is not { Count: > 0 } cpus || !slot.Supervisor.Path.Address.HasLocalScope)
        {
            return;
        }
        var held = _slots.Values.Where(other => other != slot && other.Cpu is not null).GroupBy(other => other.Cpu!.Value).ToDictionary(group => group.Key, group => group.Count());
        slot.Cpu = cpus.MinBy(cpu => held.GetValueOrDefault(cpu));
        router.Tell(worker, new PinComputeThread(slot.Cpu.Value));
    }
}
