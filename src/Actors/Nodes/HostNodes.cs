using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorParallel.Nodes;

/// <summary>
/// The driver's view of ActorParallel Host nodes (<c>ActorParallel.Host --seed ...</c>) in its
/// cluster: the driver joins its own cluster so that they can join it, and an actor follows
/// membership so that callers can wait for a number of nodes without polling.
/// </summary>
internal sealed class HostNodes
{
    private readonly IActorRef _watcher;

    public HostNodes(ActorSystem system)
    {
        _watcher = system.ActorOf(Props.Create(() => new Watcher()), "actorparallel-host-nodes");
    }

    /// <summary>Makes this system a member of its own cluster (once), which nodes then join through it.</summary>
    public static async Task JoinSelfAsync(ActorSystem system, CancellationToken cancellationToken)
    {
        var cluster = AkkaCluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Host nodes that are up once there are exactly <paramref name="count"/> of them.</summary>
    public Task<ImmutableArray<Address>> WaitForAsync(int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        _watcher.Ask<ImmutableArray<Address>>(new WaitFor(count), timeout, cancellationToken);

    private sealed record WaitFor(int Count);

    private sealed class Watcher : UntypedActor
    {
        private readonly HashSet<Address> _up = [];
        private readonly List<(int Count, IActorRef Waiter)> _waiters = [];

        protected override void PreStart() =>
            AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

        protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case ClusterEvent.MemberUp up when up.Member.HasRole(ParallelRuntime.HostNodeRole):
                    _up.Add(up.Member.Address);
                    break;
                case ClusterEvent.IMemberEvent gone and (ClusterEvent.MemberRemoved or ClusterEvent.MemberExited or ClusterEvent.MemberLeft):
                    _up.Remove(gone.Member.Address);
                    break;
                case WaitFor wait:
                    _waiters.Add((wait.Count, Sender));
                    break;
                default:
                    return;
            }
            var nodes = _up.ToImmutableArray();
            _waiters.RemoveAll(w =>
            {
                if (nodes.Length != w.Count)
                {
                    return false;
                }
                w.Waiter.Tell(nodes);
                return true;
            });
        }
    }
}
