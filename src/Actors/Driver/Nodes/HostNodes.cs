using System.Collections.Immutable;
using ActorParallel.Configuration;
using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorParallel.Driver;

/// <summary>
/// The driver's view of ActorParallel Host nodes (<c>ActorParallel.Host --seed ...</c>) in its
/// cluster: the driver joins its own cluster so that they can join it, and an actor follows
/// membership so that callers can wait for a number of nodes without polling. It is also the
/// cluster's downing for the driver/node topology: the driver decides, so a Host node its failure
/// detector finds unreachable (crashed, cut off) is downed at once - it is then removed, what ran
/// on it is treated as lost, and the node itself shuts down if it is still alive.
/// </summary>
internal sealed class HostNodes
{
    private readonly IActorRef _watcher;
    private Member[] _up = [];

    public HostNodes(ActorSystem system)
    {
        _watcher = system.ActorOf(Props.Create(() => new Watcher(this)), "actorparallel-host-nodes");
    }

    /// <summary>
    /// Makes this system a member of its own cluster (once), which nodes then join through it. Its
    /// replicator starts first: Host nodes run replicas, which gossip to every member, and a driver
    /// without one could not even read that gossip (a deserialization warning every 2 s).
    /// </summary>
    public static async Task JoinSelfAsync(ActorSystem system, CancellationToken cancellationToken)
    {
        _ = Akka.DistributedData.DistributedData.Get(system).Replicator;
        var cluster = AkkaCluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(Timeouts.DriverJoinsItself, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The driver of the cluster <paramref name="system"/> is in, as this member currently sees it: the
    /// oldest member (every node joins through the driver), or <see langword="null"/> before membership is known.
    /// </summary>
    public static Address? DriverOf(ActorSystem system) =>
        AkkaCluster.Get(system).State.Members
            .Where(member => member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)
            .Aggregate((Member?)null, (oldest, member) => oldest is null || member.IsOlderThan(oldest) ? member : oldest)?.Address;

    /// <summary>How many Host nodes are up.</summary>
    public int CountUp => Volatile.Read(ref _up).Length;

    /// <summary>The role prefix by which a Host node says how many worker processes it offers each pool (its <c>--workers</c>).</summary>
    public const string WorkersRolePrefix = "actorparallel-workers-";

    /// <summary>
    /// How many workers the Host nodes with <paramref name="role"/> that are up would start for a pool:
    /// <paramref name="perNode"/> each, or what each node offers.
    /// </summary>
    public int WorkersUp(string role, int? perNode) => Volatile.Read(ref _up).Where(m => m.HasRole(role)).Sum(m => perNode ?? WorkersOffered(m));

    /// <summary>The worker processes a Host node offers each pool (its <c>--workers</c>; 1 if it does not say).</summary>
    public static int WorkersOffered(Member node)
    {
        foreach (var role in node.Roles)
        {
            if (role.StartsWith(WorkersRolePrefix, StringComparison.Ordinal)
                && int.TryParse(role.AsSpan(WorkersRolePrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var workers)
                && workers > 0)
            {
                return workers;
            }
        }
        return 1;
    }

    /// <summary>The Host nodes that are up once there are exactly <paramref name="count"/> of them.</summary>
    public Task<ImmutableArray<Address>> WaitForAsync(int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        _watcher.Ask<ImmutableArray<Address>>(new WaitFor(count), timeout, cancellationToken);

    private sealed record WaitFor(int Count);

    private sealed class Watcher(HostNodes owner) : UntypedActor
    {
        private readonly Dictionary<Address, Member> _up = [];
        private readonly List<(int Count, IActorRef Waiter)> _waiters = [];

        protected override void PreStart() =>
            AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

        protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case ClusterEvent.UnreachableMember unreachable when unreachable.Member.HasRole(ParallelRuntime.HostNodeRole):
                    AkkaCluster.Get(Context.System).Down(unreachable.Member.Address);
                    _up.Remove(unreachable.Member.Address);
                    break;
                case ClusterEvent.MemberUp up when up.Member.HasRole(ParallelRuntime.HostNodeRole):
                    _up[up.Member.Address] = up.Member;
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
            Volatile.Write(ref owner._up, [.. _up.Values]);
            var nodes = _up.Keys.ToImmutableArray();
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
