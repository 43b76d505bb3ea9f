using System.Numerics;
using ActorParallel.Driver;
using ActorParallel.Memory;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using Akka.Actor;

namespace ActorParallel;

/// <summary>
/// Creates shared objects, as Python's <c>multiprocessing.Manager()</c>. Its state lives in the
/// driver (an Akka.DistributedData replicator, with the driver as the member of its own cluster);
/// handles passed to worker processes read and write it from there. Disposing it deletes its objects:
/// from then on every operation on any of its handles, in any process, fails at once with an
/// <see cref="ObjectDisposedException"/> naming it (Python's proxies of a shut-down manager raise
/// instead of answering, too).
/// </summary>
public sealed partial class Manager : IAsyncDisposable
{
    private static int s_lastId;
    private readonly SharedStateNode _node;
    private readonly IActorRef _host;
    private readonly string _hostPath;
    private readonly List<Func<Task>> _deletes = [];
    private readonly HashSet<string> _names = [];
    private readonly ActorSystem _system;
    private readonly QueueStore _queues;
    private bool _disposed;

    private Manager(ActorSystem system, SharedStateNode node, IActorRef host, string hostPath, QueueStore queues)
    {
        _system = system;
        _queues = queues;
        _node = node;
        _host = host;
        _hostPath = hostPath;
    }

    /// <summary>The manager's name, unique in this process: errors about its objects name it.</summary>
    public string Name => _host.Path.Name;

    /// <summary>Where this manager's host is: the path shared handles carry.</summary>
    internal string HostPath => _hostPath;

    /// <summary>Starts a manager on <paramref name="runtime"/> (the default runtime when <see langword="null"/>).</summary>
    /// <param name="runtime">The driver runtime; its ActorSystem must use the cluster provider (ActorParallel's configuration does).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The manager.</returns>
    /// <exception cref="ObjectDisposedException"><paramref name="runtime"/> is disposed.</exception>
    public static Task<Manager> StartAsync(ParallelRuntime? runtime = null, CancellationToken cancellationToken = default) =>
        StartAsync(runtime, null, cancellationToken);

    /// <summary>Starts a manager on <paramref name="runtime"/> (the default runtime when <see langword="null"/>) with <paramref name="options"/>.</summary>
    /// <param name="runtime">The driver runtime; its ActorSystem must use the cluster provider (ActorParallel's configuration does).</param>
    /// <param name="options">Write consistency and its timeout; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The manager.</returns>
    /// <exception cref="ObjectDisposedException"><paramref name="runtime"/> is disposed.</exception>
    public static async Task<Manager> StartAsync(ParallelRuntime? runtime, ManagerOptions? options, CancellationToken cancellationToken = default)
    {
        var validated = (options ?? new ManagerOptions()).Validated();
        // A Manager is DistributedData in the cluster system: a default runtime it creates needs no other.
        runtime ??= ParallelRuntime.GetDefault(prestart: 0, clusterNow: true);
        runtime.ThrowIfDisposed();
        var system = (ExtendedActorSystem)runtime.System;
        if (system.Provider is not Akka.Cluster.ClusterActorRefProvider)
        {
            throw new InvalidOperationException($"ActorSystem '{system.Name}' does not use the cluster provider, which Akka.DistributedData needs: use ParallelRuntime.AkkaConfiguration as its configuration's fallback.");
        }
        SharedStateNode.UseForThisProcess(system);
        var node = SharedStateNode.Get(system);
        var replicator = await SharedStateHost.StartReplicatorAsync(system, runtime.HostNodesUp, cancellationToken).ConfigureAwait(false);
        var hostName = $"actorparallel-shared-{Interlocked.Increment(ref s_lastId)}";
        var queues = new QueueStore(hostName);
        var host = system.ActorOf(SharedStateHost.Props(replicator, MessageLimits.MaxPayloadBytes(system), WriteConsistencyOf(validated), queues), hostName);
        var hostPath = host.Path.ToStringWithAddress(system.Provider.DefaultAddress);
        AkkaSharedChannel.RegisterHost(hostPath, host);
        SharedStateNode.RegisterManager(hostPath, node);
        QueueStore.Register(hostPath, queues);
        return new Manager(system, node, host, hostPath, queues);
    }

    private static Akka.DistributedData.IWriteConsistency WriteConsistencyOf(ManagerOptions options) => options.WriteConsistency switch
    {
        SharedConsistency.Majority => new Akka.DistributedData.WriteMajority(options.ReplicationTimeout),
        SharedConsistency.All => new Akka.DistributedData.WriteAll(options.ReplicationTimeout),
        _ => Akka.DistributedData.WriteLocal.Instance,
    };

    /// <summary>Creates a shared list (Python's <c>manager.list()</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The list's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotShippableException"><typeparamref name="T"/> cannot travel between processes.</exception>
    public SharedList<T> List<T>(string? name = null)
    {
        ThrowIfDisposed();
        ShippableTypes.CheckShippableType(typeof(T), "the element type of a SharedList");
        var list = new SharedList<T>(_node, _hostPath, Claim(name, "list"));
        _deletes.Add(() => list.DeleteAsync());
        return list;
    }

    /// <summary>Creates a shared number (Python's <c>Value('i', initial)</c> or <c>Value('d', initial)</c>).</summary>
    /// <typeparam name="T"><see cref="int"/>, <see cref="long"/> or <see cref="double"/>.</typeparam>
    /// <param name="initial">The starting value.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The value's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another numeric type.</exception>
    public SharedValue<T> Value<T>(T initial = default, string? name = null)
        where T : struct, INumber<T>
    {
        ThrowIfDisposed();
        SharedValue<T>.CheckSupported();
        var value = new SharedValue<T>(_node, _hostPath, Claim(name, "value"), initial);
        _deletes.Add(() => value.DeleteAsync());
        return value;
    }

    /// <summary>Creates a shared dictionary (Python's <c>manager.dict()</c>).</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The dict's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotShippableException">A key or value type cannot travel between processes.</exception>
    public SharedDict<TKey, TValue> Dict<TKey, TValue>(string? name = null)
        where TKey : notnull
    {
        ThrowIfDisposed();
        ShippableTypes.CheckShippableType(typeof(TKey), "the key type of a SharedDict");
        ShippableTypes.CheckShippableType(typeof(TValue), "the value type of a SharedDict");
        var dict = new SharedDict<TKey, TValue>(_node, _hostPath, Claim(name, "dict"));
        _deletes.Add(() => dict.DeleteAsync());
        return dict;
    }

    /// <summary>Creates a shared array of fixed length (Python's <c>Array('i', length)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">The number of elements; at least 0.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The array's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedArray<T> Array<T>(int length, string? name = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ShippableTypes.CheckShippableType(typeof(T), "the element type of a SharedArray");
        var array = new SharedArray<T>(_node, _hostPath, Claim(name, "array"), length);
        _deletes.Add(() => array.DeleteAsync());
        return array;
    }

    /// <summary>Creates named values shared across processes (Python's <c>manager.Namespace()</c>).</summary>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The namespace's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedNamespace Namespace(string? name = null)
    {
        ThrowIfDisposed();
        var space = new SharedNamespace(_node, _hostPath, Claim(name, "namespace"));
        _deletes.Add(() => space.DeleteAsync());
        return space;
    }

    /// <summary>Creates a lock shared across processes (Python's <c>manager.Lock()</c>).</summary>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The lock's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public SharedLock Lock(string? name = null)
    {
        ThrowIfDisposed();
        return new(_node, _hostPath, Claim(name, "lock"));
    }

    /// <summary>Creates a first-in, first-out queue shared across processes (Python's <c>multiprocessing.Queue(maxsize)</c> or <c>manager.Queue(maxsize)</c>).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="maxSize">The most items it holds; 0 (the default) or less for no bound, as Python's <c>Queue(maxsize)</c>
    /// ("If maxsize is less than or equal to zero, the queue size is infinite"; its <see cref="SharedQueue{T}.MaxSize"/> is then 0).</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The queue's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotShippableException"><typeparamref name="T"/> cannot travel between processes.</exception>
    public SharedQueue<T> Queue<T>(int maxSize = 0, string? name = null)
    {
        maxSize = Math.Max(0, maxSize);
        var queueName = NewQueue<T>(maxSize, name, joinable: false);
        return new SharedQueue<T>(_node, _hostPath, queueName, maxSize, SharedObjects.QueueKind);
    }

    /// <summary>Creates a queue that counts unfinished items (Python's <c>multiprocessing.JoinableQueue(maxsize)</c>).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="maxSize">The most items it holds; 0 (the default) or less for no bound, as Python's <c>Queue(maxsize)</c>
    /// ("If maxsize is less than or equal to zero, the queue size is infinite"; its <see cref="SharedQueue{T}.MaxSize"/> is then 0).</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The queue's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotShippableException"><typeparamref name="T"/> cannot travel between processes.</exception>
    public SharedJoinableQueue<T> JoinableQueue<T>(int maxSize = 0, string? name = null)
    {
        maxSize = Math.Max(0, maxSize);
        var queueName = NewQueue<T>(maxSize, name, joinable: true);
        return new SharedJoinableQueue<T>(_node, _hostPath, queueName, maxSize);
    }

    /// <summary>Creates an unbounded queue with only put, get and empty (Python's <c>multiprocessing.SimpleQueue()</c>).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The queue's handle, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    /// <exception cref="NotShippableException"><typeparamref name="T"/> cannot travel between processes.</exception>
    public SharedSimpleQueue<T> SimpleQueue<T>(string? name = null)
    {
        var queueName = NewQueue<T>(0, name, joinable: false);
        return new SharedSimpleQueue<T>(_node, _hostPath, queueName);
    }

    /// <summary>
    /// Creates a pipe (Python's <c>multiprocessing.Pipe(duplex)</c>): two connected ends. Duplex (the
    /// default): each end sends to and receives from the other. One-way: the first end only receives,
    /// the second only sends, as Python's <c>(r, w)</c>.
    /// </summary>
    /// <param name="duplex">Whether both ends send and receive; <see langword="true"/> by default.</param>
    /// <param name="name">A name, unique within this manager; one is made when omitted.</param>
    /// <returns>The two ends, which can be passed to other processes.</returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed.</exception>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    public (PipeConnection First, PipeConnection Second) Pipe(bool duplex = true, string? name = null)
    {
        ThrowIfDisposed();
        var pipeName = Claim(name, "pipe");
        string toFirst = pipeName + ":to-1", toSecond = pipeName + ":to-2";
        _queues.CreatePipe(toFirst, duplex ? toSecond : null);
        var block = PipeBlock(pipeName, toFirst, duplex ? toSecond : null);
        RingPipeEnd? End(int end) => block is null ? null : RingPipeEnd.Open(block.Share("a pipe"), end, $"{pipeName}:{end + 1}");
        return duplex
            ? (new PipeConnection(_node, _hostPath, pipeName + ":1", toSecond, toFirst, End(0)), new PipeConnection(_node, _hostPath, pipeName + ":2", toFirst, toSecond, End(1)))
            : (new PipeConnection(_node, _hostPath, pipeName + ":1", null, toFirst, End(0)), new PipeConnection(_node, _hostPath, pipeName + ":2", toFirst, null, End(1)));
    }

    /// <summary>
    /// The pipe's shared-memory block, which the driver keeps until the manager is disposed; none where
    /// shared memory is not available (the pipe then goes through the store, as it does for Host nodes).
    /// </summary>
    private SegmentLease? PipeBlock(string pipeName, string toFirst, string? toSecond)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        MemorySegment segment;
        try
        {
            segment = MemorySegment.Create(PipeRing.BlockBytes, $"pipe '{pipeName}'");
        }
        catch (Exception exception) when (exception is PlatformNotSupportedException or IOException)
        {
            return null;
        }
        var lease = new SegmentLease(segment);
        PipeBlocks.Add(lease, _queues, toFirst, toSecond);
        return lease;
    }

    private string NewQueue<T>(int maxSize, string? name, bool joinable)
    {
        ThrowIfDisposed();
        ShippableTypes.CheckShippableType(typeof(T), "the item type of a shared queue");
        var queueName = Claim(name, "queue");
        _queues.Create(queueName, maxSize, joinable);
        return queueName;
    }

    /// <summary>
    /// Deletes every object this manager created (nothing to do once its ActorSystem has stopped: the
    /// objects went with it). Its host then answers every request, from any process, by saying the
    /// manager is disposed, so that each operation on its handles throws <see cref="ObjectDisposedException"/>
    /// at once; waits for its locks end the same way. Disposing twice does nothing more.
    /// </summary>
    /// <returns>A task that completes when they are deleted.</returns>
    /// <exception cref="TimeoutException">The manager's server did not confirm the disposal in time (its objects are deleted).</exception>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // Whoever waits on a queue or a pipe hears at once that the manager is gone.
        _queues.Dispose();
        PipeBlocks.Dispose(_queues);
        if (_system.WhenTerminated.IsCompleted)
        {
            _deletes.Clear();
            return;
        }
        foreach (var delete in _deletes)
        {
            await delete().ConfigureAwait(false);
        }
        _deletes.Clear();
        _node.MarkDisposed(_hostPath, Name);
        try
        {
            await _host.Ask<HostDisposed>(DisposeHost.Instance, SharedStateNode.Timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException timedOut)
        {
            throw new TimeoutException($"Manager '{Name}' did not confirm its disposal within {SharedStateNode.Timeout.TotalSeconds:N0} s; its objects are deleted, but a request still under way may yet be answered.", timedOut);
        }
    }

    private void ThrowIfDisposed() =>
        _ = _disposed ? throw new ObjectDisposedException($"Manager {Name}", $"Manager '{Name}' is disposed: it makes no more shared objects.") : 0;

    /// <inheritdoc />
    public override string ToString() => $"<Manager '{Name}'>";

    private static string NewName(string kind) => $"{kind}-{Interlocked.Increment(ref s_lastId)}";

    /// <summary>
    /// The name of a new object: <paramref name="name"/>, which no other object of this manager may have
    /// (each kind's store would take the second for the first), or a new one no object has.
    /// </summary>
    /// <exception cref="ArgumentException">This manager already has an object named <paramref name="name"/>, or <paramref name="name"/> is empty or whitespace.</exception>
    private string Claim(string? name, string kind)
    {
        lock (_names)
        {
            if (name is not null)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw new ArgumentException($"Manager '{Name}': an object's name must not be empty or whitespace (got \"{name}\"); pass a name, or omit it (null) to have one made.", nameof(name));
                }
                return _names.Add(name)
                    ? name
                    : throw new ArgumentException($"Manager '{Name}' already has an object named '{name}': names are unique within a manager. Pass the existing object's handle instead, or choose another name.", nameof(name));
            }
            string made;
            do
            {
                made = NewName(kind);
            }
            while (!_names.Add(made));
            return made;
        }
    }
}
