using ActorParallel.Configuration;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel;

/// <summary>The runtime's Host-node side: starting a node, and a driver accepting, counting and reaching its nodes.</summary>
public sealed partial class ParallelRuntime
{
    /// <summary>
    /// Starts a Host node (what <c>ActorParallel.Host</c> runs): an ActorSystem with the cluster
    /// provider and the role <see cref="HostNodeRole"/> (plus <paramref name="roles"/>) that joins a
    /// driver's cluster through <paramref name="seeds"/>, with a process supervisor drivers start
    /// worker processes on this machine through. Binding and certificate come from
    /// <paramref name="options"/> as for a driver. If the cluster cannot be joined within
    /// <paramref name="joinTimeout"/>, or the node is later removed from it, its system terminates.
    /// </summary>
    /// <param name="seeds">Cluster members to join through (the driver's address, from <see cref="AcceptHostNodesAsync"/>).</param>
    /// <param name="options">Binding, certificate, worker executable; <see cref="ParallelRuntimeOptions.SystemName"/> must be the driver's.</param>
    /// <param name="roles">Extra cluster roles, for pools to select nodes by (<see cref="PoolOptions.HostNodeRole"/>).</param>
    /// <param name="joinTimeout">How long to try to join; <see cref="DefaultHostNodeJoinTimeout"/> (60 seconds) when <see langword="null"/>.</param>
    /// <param name="workers">
    /// How many worker processes this node runs for each pool that selects it (unless the pool says
    /// otherwise with <see cref="PoolOptions.ProcessesPerHostNode"/>); this machine's processor count when <see langword="null"/>.
    /// </param>
    /// <returns>The node's runtime; dispose it (or terminate its system) to stop the node and its workers.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="seeds"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is less than 1, or <paramref name="joinTimeout"/> is not positive.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="seeds"/> is empty or holds an empty address; or <paramref name="options"/> are invalid
    /// (a host name beyond loopback without a certificate, a certificate that cannot be read, ...): the
    /// message lists every problem, and <see cref="ArgumentException.ParamName"/> is the name of the
    /// <see cref="ParallelRuntimeOptions"/> property at fault (<c>"Hostname"</c>, <c>"Port"</c>,
    /// <c>"CertificatePath"</c>, <c>"SystemName"</c>, ...), or <c>"ParallelRuntimeOptions"</c> when several are.
    /// </exception>
    public static ParallelRuntime CreateHostNode(IReadOnlyList<string> seeds, ParallelRuntimeOptions? options = null, IReadOnlyList<string>? roles = null, TimeSpan? joinTimeout = null, int? workers = null)
    {
        var offered = workers ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(offered, 1, nameof(workers));
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0 || seeds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one seed address (the driver's) is needed, and none may be empty.", nameof(seeds));
        }
        var timeout = joinTimeout ?? Timeouts.HostNodeJoin;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(joinTimeout));
        var validated = (options ?? new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host }).Validated();
        var membership = AkkaConfig.Settings(
            ("akka.cluster.seed-nodes", seeds),
            ("akka.cluster.roles", (roles ?? []).Prepend(HostNodeRole).Append($"{HostNodes.WorkersRolePrefix}{offered}").Distinct()),
            ("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes", $"{timeout.TotalSeconds.ToString(global::System.Globalization.CultureInfo.InvariantCulture)}s"));
        var system = validated.Transport.CreateSystem(validated.SystemName, membership.WithFallback(AkkaConfig.Node), validated.LoggerFactory);
        return new ParallelRuntime(system, ownsSystem: true, validated, new PrelaunchedWorkers(validated.SystemName, validated), HostNodeSupervisorName);
    }

    /// <summary>
    /// How long <see cref="CreateHostNode"/> tries to join its cluster when it is given no join timeout
    /// (and <c>ActorParallel.Host</c> without <c>--join-timeout</c>) before its system terminates.
    /// </summary>
    /// <value>60 seconds.</value>
    public static TimeSpan DefaultHostNodeJoinTimeout => Timeouts.HostNodeJoin;

    /// <summary>The Akka configuration of an ActorParallel.Host worker node, under what its command line sets.</summary>
    public static Akka.Configuration.Config HostNodeConfiguration => AkkaConfig.Node;

    /// <summary>The name of a Host node's process supervisor, under <c>/user</c>.</summary>
    public const string HostNodeSupervisorName = "actorparallel-node";

    /// <summary>
    /// Runs a Host node's process supervisor in <paramref name="system"/> (what <c>ActorParallel.Host</c>
    /// does): drivers in its cluster reach it with <see cref="GetHostNodeSupervisorAsync"/> and start
    /// worker processes on that machine with the same messages as a local supervisor.
    /// </summary>
    /// <param name="system">The node's ActorSystem (remote or cluster provider).</param>
    /// <param name="options">Options; workers run <c>ActorParallel.Host</c> unless set otherwise.</param>
    /// <returns>The node's runtime.</returns>
    public static ParallelRuntime AttachHostNode(ActorSystem system, ParallelRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var validated = (options ?? new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host }).Validated();
        validated.SystemName = system.Name;
        return new ParallelRuntime(system, ownsSystem: false, validated, new PrelaunchedWorkers(validated.SystemName, validated), HostNodeSupervisorName);
    }

    /// <summary>The process supervisor of the Host node at <paramref name="nodeAddress"/> (as <see cref="WaitForHostNodesAsync"/> lists them).</summary>
    /// <param name="nodeAddress">The node's address.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The supervisor: send it <see cref="StartProcess"/>, <see cref="JoinProcess"/>, ...</returns>
    /// <exception cref="ArgumentException"><paramref name="nodeAddress"/> is empty.</exception>
    /// <exception cref="TimeoutException">No Host node supervisor answered at that address within 30 s.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IActorRef> GetHostNodeSupervisorAsync(string nodeAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeAddress);
        var path = $"{nodeAddress.TrimEnd('/')}/user/{HostNodeSupervisorName}";
        try
        {
            return await System.ActorSelection(path).ResolveOne(HostNodeLookupTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ActorNotFoundException notFound)
        {
            throw new TimeoutException($"No Host node supervisor answered at {path} within {HostNodeLookupTimeout.TotalSeconds:N0} s.", notFound);
        }
    }

    /// <summary>How long <see cref="GetHostNodeSupervisorAsync"/> waits for a node's supervisor to answer.</summary>
    private static readonly TimeSpan HostNodeLookupTimeout = Timeouts.ActorLookup;

    /// <summary>The cluster role every ActorParallel Host node carries.</summary>
    public const string HostNodeRole = "actorparallel-host";

    /// <summary>
    /// Lets ActorParallel Host nodes join this driver: the driver becomes a member of its own cluster
    /// (as a <see cref="Manager"/> also makes it), and nodes started with
    /// <c>ActorParallel.Host --seed &lt;this driver's address&gt;</c> join it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the driver to be up in its cluster.</param>
    /// <returns>The address Host nodes use as their seed.</returns>
    public async Task<string> AcceptHostNodesAsync(CancellationToken cancellationToken = default)
    {
        await HostNodes.JoinSelfAsync(System, cancellationToken).ConfigureAwait(false);
        // From now on nodes can join; the watcher also downs the ones that become unreachable.
        _ = _hostNodes.Value;
        return ((ExtendedActorSystem)System).Provider.DefaultAddress.ToString();
    }

    /// <summary>Waits until exactly <paramref name="count"/> Host nodes are up in this driver's cluster (see <see cref="AcceptHostNodesAsync"/>).</summary>
    /// <param name="count">How many nodes to wait for (0 waits for all to have left).</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The nodes' addresses.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="TimeoutException">Not exactly <paramref name="count"/> nodes were up within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<string>> WaitForHostNodesAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        try
        {
            var nodes = await _hostNodes.Value.WaitForAsync(count, timeout, cancellationToken).ConfigureAwait(false);
            return [.. nodes.Select(address => address.ToString())];
        }
        catch (AskTimeoutException timedOut)
        {
            throw new TimeoutException($"{HostNodesUp} Host node(s) were up after {timeout}, not the {count} waited for.", timedOut);
        }
    }

    /// <summary>How many Host nodes are up in this driver's cluster, as <see cref="WaitForHostNodesAsync"/> counts them.</summary>
    internal int HostNodesUp => _hostNodes.IsValueCreated ? _hostNodes.Value.CountUp : 0;

    /// <summary>How many workers a pool would start on the Host nodes with <paramref name="role"/> that are up (0 before <see cref="AcceptHostNodesAsync"/>).</summary>
    internal int HostNodeWorkersUp(string role, int? perNode) => _hostNodes.IsValueCreated ? _hostNodes.Value.WorkersUp(role, perNode) : 0;
}
