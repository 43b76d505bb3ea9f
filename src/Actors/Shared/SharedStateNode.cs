using System.Collections.Concurrent;
using Akka.Actor;
using Akka.DistributedData;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorParallel.Shared;

/// <summary>
/// This process's side of shared objects: it finds the driver's <see cref="SharedStateHost"/> for a
/// handle, owns one batching writer actor per list, numbers this process's operations so the host
/// applies each once, and flushes everything when the process reports back to its driver.
/// </summary>
internal sealed class SharedStateNode : IExtension
{
    private static Lazy<ActorSystem>? s_processSystem;

    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<string, Task<IActorRef>> _hosts = new();
    private readonly ConcurrentDictionary<(string Host, string Name), IActorRef> _writers = new();
    private long _lastOperation;

    public SharedStateNode(ExtendedActorSystem system)
    {
        _system = system;
        WriterId = $"{Environment.ProcessId:x}-{Guid.NewGuid():N}"[..24];
    }

    /// <summary>How long one request to the host may take before it is sent again.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Unique to this process and run: the author of this process's operations.</summary>
    public string WriterId { get; }

    /// <summary>Whether any shared object has been written in this process (so there may be writes to flush).</summary>
    public bool Active => !_writers.IsEmpty;

    public ActorSystem System => _system;

    public static SharedStateNode Get(ActorSystem system) => system.WithExtension<SharedStateNode, SharedStateNodeProvider>();

    /// <summary>The node that shared handles decoded in this process bind to.</summary>
    public static SharedStateNode ForThisProcess() =>
        Get(s_processSystem?.Value ?? throw new InvalidOperationException(
            "No ActorParallel runtime in this process to bind the shared object to: start a Manager first."));

    public static void UseForThisProcess(ActorSystem system) => s_processSystem = new Lazy<ActorSystem>(system);

    /// <summary>
    /// Shared handles decoded in this process bind to a system that <paramref name="start"/> creates
    /// on first use (a directly linked pool worker starts one only if a function uses a shared object).
    /// </summary>
    public static void UseForThisProcess(Func<ActorSystem> start) => s_processSystem = new Lazy<ActorSystem>(start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This process's system if it has one by now (never starts one).</summary>
    public static ActorSystem? StartedForThisProcess() => s_processSystem is { IsValueCreated: true } started ? started.Value : null;

    /// <summary>
    /// Waits until every shared-object write this process made is acknowledged, so that what the
    /// driver learns next (a target finished, a chunk's results) comes after it.
    /// </summary>
    public static void FlushThisProcess()
    {
        if (StartedForThisProcess() is { } system && Get(system) is { Active: true } node)
        {
            node.FlushAllAsync().GetAwaiter().GetResult();
        }
    }

    public long NextOperation() => Interlocked.Increment(ref _lastOperation);

    /// <summary>Makes the driver a member of its own one-node cluster, which DistributedData needs, and starts the replicator.</summary>
    /// <param name="hostNodes">Host nodes known to be up: their replicas must be known to the replicator before a Majority or All write can count them.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task<IActorRef> StartReplicatorAsync(int hostNodes, CancellationToken cancellationToken)
    {
        var replicator = DistributedData.Get(_system).Replicator;
        await Nodes.HostNodes.JoinSelfAsync(_system, cancellationToken).ConfigureAwait(false);
        // A new replicator learns the cluster's members (Host nodes' replicas) from an event that
        // arrives a moment later; until then a Majority or All write would count only itself.
        var members = Math.Max(1 + hostNodes, Akka.Cluster.Cluster.Get(_system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((await replicator.Ask<ReplicaCount>(Dsl.GetReplicaCount, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false)).N < members
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        return replicator;
    }

    public Task<IActorRef> Host(string path) =>
        _hosts.GetOrAdd(path, p => _system.ActorSelection(p).ResolveOne(TimeSpan.FromSeconds(30)));

    public void RegisterHost(string path, IActorRef host) => _hosts[path] = Task.FromResult(host);

    public IActorRef ListWriter(string host, string list) =>
        _writers.GetOrAdd((host, list), key => _system.ActorOf(ListWriterActor.Props(this, key.Host, key.Name)));

    public IActorRef ValueWriter(string host, string value) =>
        _writers.GetOrAdd((host, value), key => _system.ActorOf(ValueWriterActor.Props(this, key.Host, key.Name)));

    /// <summary>Waits until every write this process made is stored by its host.</summary>
    public Task FlushAllAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_writers.Values.Select(writer => writer.Ask<WritesFlushed>(new FlushWrites(), Timeout * 8, cancellationToken)));

    /// <summary>
    /// Sends a request once and waits for its reply: for writes the host does not deduplicate. A
    /// timeout means the write may or may not have been applied, and says so.
    /// </summary>
    public async Task<TReply> RequestOnceAsync<TReply>(string hostPath, object request, CancellationToken cancellationToken)
    {
        var host = await Host(hostPath).ConfigureAwait(false);
        try
        {
            return await host.Ask<TReply>(request, Timeout * 6, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException exception)
        {
            throw new TimeoutException($"The driver's shared-state host did not answer within {Timeout * 6}; the write may or may not have been applied.", exception);
        }
    }

    /// <summary>Sends a request to a host and waits for its reply, sending it again when a reply is late (the host applies it once).</summary>
    public async Task<TReply> RequestAsync<TReply>(string hostPath, object request, CancellationToken cancellationToken)
    {
        var host = await Host(hostPath).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await host.Ask<TReply>(request, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (AskTimeoutException) when (attempt < 5)
            {
            }
        }
    }

    private sealed class SharedStateNodeProvider : ExtensionIdProvider<SharedStateNode>
    {
        public override SharedStateNode CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
