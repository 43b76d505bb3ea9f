using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// The router's worker processes: starting them, taking them into service once ready, replacing the
/// ones that exit (their chunks run again elsewhere) and retiring them (max tasks per child, close).
/// </summary>
internal sealed partial class PoolRouter
{
    private void StartWorker(IActorRef supervisor)
    {
        var spec = ProcessSpec.ForServing($"{_settings.Name}-worker-{++_processesStarted}");
        _slots[spec.Id] = new WorkerSlot(spec.Id, supervisor);
        supervisor.Tell(new StartProcess(spec));
        supervisor.Tell(new JoinProcess(spec.Id));
    }

    private void HandleReady(WorkerReady ready)
    {
        if (!_slots.TryGetValue(ready.ProcessId, out var slot))
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
        slot.Actor = worker;
        slot.WasReady = true;
        _slotsByActor[worker] = slot;
        PinIfPlanned(slot, worker);
        if (_settings.Initializer is { } initializer)
        {
            worker.Tell(new RunInitializer(initializer));
        }
        ReplyToReadyWaiters();
        // Closed with maps still running: the new worker helps finish them (or, with none left, retires).
        RetireIdleWorkersIfClosed();
        Dispatch();
    }

    /// <summary>Binds a local worker to the CPU that the fewest of the pool's other local workers hold (a replacement gets its predecessor's).</summary>
    private void PinIfPlanned(WorkerSlot slot, IActorRef worker)
    {
        if (_settings.WorkerCpus is not { Count: > 0 } cpus || !slot.Supervisor.Path.Address.HasLocalScope)
        {
            return;
        }
        var held = _slots.Values.Where(other => other != slot && other.Cpu is not null).GroupBy(other => other.Cpu!.Value).ToDictionary(group => group.Key, group => group.Count());
        slot.Cpu = cpus.MinBy(cpu => held.GetValueOrDefault(cpu));
        worker.Tell(new PinComputeThread(slot.Cpu.Value));
    }

    private void HandleStartFailed(ProcessStartFailed failed)
    {
        if (!_slots.Remove(failed.ProcessId, out var slot))
        {
            return;
        }
        if (++_startFailuresInARow >= StartFailuresAllowed)
        {
            Break(new InvalidOperationException($"The pool cannot start worker processes: {failed.Reason}"));
            return;
        }
        Replenish(slot.Supervisor);
    }

    /// <summary>
    /// Starts workers under <paramref name="supervisor"/> until it has as many serving (not retiring) as
    /// the pool wants there: the one place that decides on replacements, so however workers end - exit,
    /// crash, failed start, retirement - a pool of N never holds more than N workers plus those retiring.
    /// None while the pool is terminating, broken, closed with nothing left to run, or the node is lost.
    /// </summary>
    private void Replenish(IActorRef supervisor)
    {
        if (_terminating || _broken is not null || (_closing && _jobs.Count == 0) || _lostSupervisors.Contains(supervisor)
            || !_workersWanted.TryGetValue(supervisor, out var wanted))
        {
            return;
        }
        var serving = _slots.Values.Count(slot => slot.Supervisor.Equals(supervisor) && !slot.Retiring);
        for (; serving < wanted; serving++)
        {
            StartWorker(supervisor);
        }
    }

    private void HandleWorkerExit(ProcessExited exited)
    {
        if (!_slots.Remove(exited.ProcessId, out var slot))
        {
            return;
        }
        if (slot.Actor is not null)
        {
            _slotsByActor.Remove(slot.Actor);
        }
        if (!slot.WasReady && !_terminating && ++_startFailuresInARow >= StartFailuresAllowed)
        {
            Break(new InvalidOperationException($"Pool worker processes exit before they are ready (last exit code {exited.ExitCode})."));
        }
        // Alone on the worker, a chunk is to blame for its death; among others it is only a suspect
        // (a finished neighbour's result may have died with the process), to run again alone.
        var alone = slot.InFlight.Count == 1;
        foreach (var ((mapId, _), chunk) in slot.InFlight.OrderBy(entry => entry.Value.DispatchOrder))
        {
            if (!_jobsById.TryGetValue(mapId, out var job))
            {
                continue;
            }
            job.InFlight--;
            chunk.Suspect = true;
            if (alone && ++chunk.Losses >= _settings.MaxChunkLosses)
            {
                job.Fail(new WorkerLostException(
                    $"Chunk {chunk.Seq} (items {chunk.Offset}..{chunk.Offset + chunk.Count - 1}) was running alone on its worker process when it died, " +
                    $"{chunk.Losses} times (last exit code {exited.ExitCode}); it is not dispatched again.", chunk.Offset, chunk.Count));
                RemoveJob(job);
                continue;
            }
            job.Retry.Enqueue(chunk);
        }
        Replenish(slot.Supervisor);
        Dispatch();
        ReplyIfStopped();
    }

    private void RetireIfDone(WorkerSlot slot)
    {
        if (_settings.MaxTasksPerChild is { } max && slot.TasksDone >= max && !slot.Retiring)
        {
            slot.Retiring = true;
            Replenish(slot.Supervisor);
        }
        if (slot.Retiring && slot.InFlight.Count == 0 && slot.Actor is { } actor)
        {
            actor.Tell(new ExitWorker(ExitCodes.Success), Self);
            slot.Actor = null;
            _slotsByActor.Remove(actor);
        }
    }

    private void RetireIdleWorkersIfClosed()
    {
        if (!_closing || _jobs.Count > 0)
        {
            return;
        }
        foreach (var slot in _slots.Values.ToArray())
        {
            slot.Retiring = true;
            RetireIfDone(slot);
        }
    }
}
