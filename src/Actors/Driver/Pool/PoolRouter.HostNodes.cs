using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>The router's Host-node facet: finding a node's supervisor, confirming its workers' connections, losing a node.</summary>
internal sealed partial class PoolRouter
{
    /// <summary>A Host node with the pool's role is up: find its supervisor to start workers there.</summary>
    private void HandleNodeUp(Address node, int workers)
    {
        if (!_nodes.Add(node) || _terminating || _closing || _broken is not null)
        {
            return;
        }
        Context.System.ActorSelection(new RootActorPath(node) / "user" / ParallelRuntime.HostNodeSupervisorName).ResolveOne(Timeouts.ActorLookup).PipeTo(Self,
            success: supervisor => new HostNodeFound(node, supervisor, workers),
            failure: error => new HostNodeMissing(node, error.Message));
    }

    private void HandleNodeFound(HostNodeFound found)
    {
        if (_terminating || _closing || _broken is not null)
        {
            return;
        }
        // The node's end (left, crashed, cut off and downed) reaches us as Terminated.
        Context.Watch(found.Supervisor);
        _slots.Want(found.Supervisor, found.Workers);
    }

    private void ConfirmConnection(long processId, int attempt)
    {
        if (!_slots.TryGet(processId, out var slot) || slot.Unconfirmed is not { } worker)
        {
            return;
        }
        if (attempt > ConnectionAttempts)
        {
            // Never answered: end it; its exit is handled like any other, and a replacement is started.
            slot.Supervisor.Tell(new KillProcess(processId));
            return;
        }
        worker.Tell(new Identify(processId));
        Timers.StartSingleTimer(("confirm", processId), new ConfirmWorkerConnection(processId, attempt + 1), Timeouts.WorkerConnectionRetry);
    }

    private void HandleIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is long processId && _slots.TryGet(processId, out var slot) && slot.Unconfirmed is { } worker && identity.Subject is not null)
        {
            slot.Unconfirmed = null;
            Timers.Cancel(("confirm", processId));
            TakeIntoService(slot, worker);
        }
    }

    /// <summary>
    /// A Host node is gone: its workers' processes went with it (they end when their node does), so
    /// their chunks run again elsewhere, as after any worker's death; no replacement goes there.
    /// </summary>
    private void HandleHostNodeLost(IActorRef nodeSupervisor)
    {
        var lost = _slots.LoseSupervisor(nodeSupervisor);
        _nodes.Remove(nodeSupervisor.Path.Address);
        foreach (var slot in lost)
        {
            // Its node's end, not the chunks': they run again elsewhere without blame.
            slot.KilledByPool = true;
            HandleWorkerExit(new ProcessExited(slot.ProcessId, slot.Pid, -ExitCodes.SigKill, null));
        }
        LoseCapacity($"Host node {nodeSupervisor.Path.Address} was lost");
    }

    /// <summary>A pool left with no worker at all cannot finish anything: say why instead of waiting.</summary>
    private void LoseCapacity(string why)
    {
        if (_slots.Count == 0 && !_terminating && !_closing)
        {
            Break(new WorkerLostException($"{why}, and the pool has no other workers.", 0, 0));
        }
        _scheduler.Dispatch();
        ReplyToReadyWaiters();
    }
}
