using Akka.Actor;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// The router's Host-node side: it follows cluster membership, starts workers on every node with the
/// pool's role (also on nodes that join mid-map), makes sure it can reach each such worker before the
/// worker gets work, and treats a node's end as the loss of all its workers.
/// </summary>
internal sealed partial class PoolRouter
{
    /// <summary>A Host node with the pool's role is up: find its supervisor to start workers there.</summary>
    private void HandleNodeUp(Address node, int workers)
    {
        if (!_nodes.Add(node) || _terminating || _closing || _broken is not null)
        {
            return;
        }
        Context.System.ActorSelection(new RootActorPath(node) / "user" / ParallelRuntime.HostNodeSupervisorName).ResolveOne(TimeSpan.FromSeconds(30)).PipeTo(Self,
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
        _workersWanted[found.Supervisor] = found.Workers;
        Replenish(found.Supervisor);
    }

    private void ConfirmConnection(long processId, int attempt)
    {
        if (!_slots.TryGetValue(processId, out var slot) || slot.Unconfirmed is not { } worker)
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
        Timers.StartSingleTimer(("confirm", processId), new ConfirmWorkerConnection(processId, attempt + 1), TimeSpan.FromSeconds(2));
    }

    private void HandleIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is long processId && _slots.TryGetValue(processId, out var slot) && slot.Unconfirmed is { } worker && identity.Subject is not null)
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
        _lostSupervisors.Add(nodeSupervisor);
        _nodes.Remove(nodeSupervisor.Path.Address);
        foreach (var slot in _slots.Values.Where(s => s.Supervisor.Equals(nodeSupervisor)).ToList())
        {
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
        Dispatch();
        ReplyToReadyWaiters();
    }
}
