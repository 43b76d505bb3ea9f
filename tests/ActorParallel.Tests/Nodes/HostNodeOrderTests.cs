using ActorParallel.Configuration;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Tests.Nodes;

/// <summary>
/// A Host node takes orders only from its cluster's driver. An order that comes before the node's view
/// of the cluster shows any driver (the view lags the membership a moment, and a driver sends as soon
/// as it sees the node up) waits for the view instead of being refused on the spot.
/// </summary>
public sealed class HostNodeOrderTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly ActorSystem _node = Create();
    private readonly ActorSystem _other = Create();

    [Fact]
    public async Task AnOrderBeforeTheNodeKnowsItsDriver_WaitsForThatView_ThenIsJudgedByIt()
    {
        var options = new ParallelRuntimeOptions().Validated();
        using var prelaunched = new PrelaunchedWorkers(_node.Name, options);
        var supervisor = _node.ActorOf(ProcessSupervisor.Props(options, prelaunched, driverOnly: true), "supervisor");
        var answered = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asker = _other.ActorOf(Props.Create(() => new Asker(answered)));
        var path = supervisor.Path.ToStringWithAddress(((ExtendedActorSystem)_node).Provider.DefaultAddress);

        asker.Tell(path);
        // The node is in no cluster yet: no driver to judge by, so no answer (before, a refusal at once).
        Assert.NotSame(answered.Task, await Task.WhenAny(answered.Task, Task.Delay(TimeSpan.FromMilliseconds(500))));
        var cluster = Akka.Cluster.Cluster.Get(_node);
        await cluster.JoinAsync(cluster.SelfAddress).WaitAsync(Bound);

        // Now its view shows its driver (itself, the oldest member): the other system is not it, and is refused.
        Assert.IsType<RunningProcesses>(await answered.Task.WaitAsync(Bound));
    }

    public void Dispose()
    {
        _node.Terminate().Wait(Bound);
        _other.Terminate().Wait(Bound);
    }

    private static ActorSystem Create() =>
        new NodeTransport("127.0.0.1", null, 0, null, null).CreateSystem("actorparallel", AkkaConfig.Driver);

    /// <summary>Sends <see cref="ListProcesses"/> to the path it is told, from its own (remote) address; the first answer completes the task.</summary>
    private sealed class Asker : ReceiveActor
    {
        public Asker(TaskCompletionSource<object> answered)
        {
            Receive<string>(path => Context.ActorSelection(path).Tell(ListProcesses.Instance));
            ReceiveAny(message => answered.TrySetResult(message));
        }
    }
}
