using System.Threading.Channels;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using Akka.Actor;

namespace ActorParallel;

/// <summary>
/// A pool of worker processes with Python's <c>multiprocessing.Pool</c> semantics: ordered
/// <see cref="MapAsync{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int?,IProgress{MapProgress}?,ItemOptions?,CancellationToken)"/>,
/// lazy streaming <see cref="IMap{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int,ItemOptions?,CancellationToken)"/>,
/// <see cref="ApplyAsync{TOut}(Func{TOut},ItemOptions?,CancellationToken)"/>. Items may have deadlines that kill
/// (<see cref="ItemOptions"/>), and functions that take a <see cref="CancellationToken"/> are asked to stop
/// before their worker is killed. A worker that dies mid-map costs only the chunks it held, which
/// run again elsewhere while a replacement starts. Dispose (<c>await using</c>) terminates it, as
/// leaving Python's <c>with Pool()</c> does.
/// </summary>
public sealed partial class Pool : IAsyncDisposable
{
    private static int s_lastPoolId;

    private readonly ParallelRuntime _runtime;
    private readonly IActorRef _router;

    /// <summary>The router actor behind this pool (registered in Akka.Hosting's ActorRegistry by <c>WithActorParallel</c>).</summary>
    internal IActorRef Router => _router;
    private readonly int _maxPayloadBytes;
    private readonly ActorSystem _system;
    private readonly ItemSettings _items;
    private readonly ApplyStreams _applyStreams;

    /// <summary>Where this pool's work may run beyond this machine (its Host nodes), for refusing shared-memory handles; <see langword="null"/> for local workers only.</summary>
    private readonly string? _hostBound;
    private int _state;

    /// <summary>Starts a pool of <paramref name="processes"/> workers on <see cref="ParallelRuntime.Default"/>.</summary>
    /// <param name="processes">The number of worker processes; <see cref="Environment.ProcessorCount"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="processes"/> is less than 1 (its <see cref="ArgumentException.ParamName"/> is <c>Processes</c>).</exception>
    public Pool(int? processes = null)
        : this(new PoolOptions { Processes = processes ?? Environment.ProcessorCount })
    {
    }

    /// <summary>Starts a pool on <see cref="ParallelRuntime.Default"/>.</summary>
    /// <param name="options">The pool's options; copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid: every problem in one message, <see cref="ArgumentException.ParamName"/> the option at fault (<c>PoolOptions</c> when several are).</exception>
    public Pool(PoolOptions options)
        : this(DefaultRuntimeFor(options), options)
    {
    }

    /// <summary>
    /// The default runtime; if this pool is what creates it, the pool's workers are launched while the
    /// driver's ActorSystem starts instead of after it.
    /// </summary>
    private static ParallelRuntime DefaultRuntimeFor(PoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ParallelRuntime.GetDefault(prestart: Math.Min(options.Validated().Processes, ParallelRuntimeOptions.MaxPrestart), clusterNow: false);
    }

    internal Pool(ParallelRuntime runtime, PoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        runtime.ThrowIfDisposed();
        var validated = options.Validated();
        _runtime = runtime;
        // Workers on Host nodes reply over remoting: such a pool's router runs in the cluster system.
        _system = validated.HostNodeRole is null ? runtime.LocalSystem : runtime.System;
        _maxPayloadBytes = MessageLimits.MaxPayloadBytes(_system);
        _hostBound = validated.HostNodeRole is { } nodes ? $"a pool whose workers may run on Host nodes (HostNodeRole '{nodes}')" : null;
        byte[]? initializer;
        using (HostBoundWork.SendingTo(_hostBound))
        {
            initializer = validated.Initializer is null ? null : ShippedCall.Encode(validated.Initializer, validated.InitializerArgs).Bytes;
        }
        _items = new ItemSettings(validated.ItemTimeout == Timeout.InfiniteTimeSpan ? null : validated.ItemTimeout, validated.RetryPipeline, validated.MaxValueBytes);
        var settings = new PoolSettings(validated.Processes, validated.Name, initializer, validated.MaxTasksPerChild, validated.MaxChunkLosses, validated.CancellationGracePeriod, _maxPayloadBytes,
            validated.HostNodeRole, validated.ProcessesPerHostNode, WorkerCpus(validated), _items)
        {
            MaxWorkerMemoryBytes = validated.MaxWorkerMemoryBytes,
        };
        var nodeWorkers = validated.HostNodeRole is { } role ? runtime.HostNodeWorkersUp(role, validated.ProcessesPerHostNode) : 0;
        if (validated.Processes == 0 && nodeWorkers == 0)
        {
            throw new InvalidOperationException(
                $"The pool has no local processes and no Host node with the role '{validated.HostNodeRole}' is up in the cluster yet: " +
                "wait for nodes with ParallelRuntime.WaitForHostNodesAsync, or give the pool local processes.");
        }
        Processes = validated.Processes + nodeWorkers;
        _router = _system.ActorOf(PoolRouter.Props(runtime.Supervisor, settings), $"pool-{Interlocked.Increment(ref s_lastPoolId)}");
        // The router ends with the pool, or with its runtime or ActorSystem: from then on the pool takes
        // no work, and nothing waits for an answer from it.
        _routerGone = new CancellationTokenSource();
        _router.WatchAsync().ContinueWith(static (_, state) => ((Pool)state!).RouterGone(), this, TaskScheduler.Default);
        _applyStreams = new ApplyStreams(_router, _items, _routerGone.Token);
    }

    /// <summary>Cancelled once the pool's router has ended (see the constructor).</summary>
    private readonly CancellationTokenSource _routerGone;

    private void RouterGone()
    {
        Interlocked.Exchange(ref _state, 2);
        _routerGone.Cancel();
    }

    /// <summary>
    /// The number of worker processes the pool started with: its local ones, and those on the Host
    /// nodes that were up when it was created. Nodes that join later add workers beyond this.
    /// </summary>
    public int Processes { get; }

    /// <summary>
    /// Applies <paramref name="function"/> to every item in worker processes; results in input order.
    /// The default chunk size is ceil(n / (4 × processes)), as CPython's. With a retry policy
    /// (<see cref="ItemOptions.Retry"/>, <see cref="PoolOptions.ItemRetry"/>), a chunk that fails runs
    /// again while the others go on, and the call fails only with an error that is not retried or
    /// whose retries ran out.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A static method, lambda or closure over shippable values.</param>
    /// <param name="items">The input; read once.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="progress">Told of items done as chunks finish.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops dispatch, abandons chunks in flight and cancels pending retries; a worker still running a chunk after
    /// <see cref="PoolOptions.CancellationGracePeriod"/> is killed and replaced. The pool stays usable.</param>
    /// <returns>The results, in input order.</returns>
    /// <exception cref="Exception">The function threw an exception whose type can be rebuilt here (see <see cref="RemoteException"/>'s remarks):
    /// that type, with the remote message, and a <see cref="RemoteException"/> (remote stack, <see cref="RemoteException.ItemIndex"/>) as its inner exception.
    /// With a retry policy: the last try's exception, once the policy does not handle it or its retries ran out.</exception>
    /// <exception cref="RemoteException">The function threw an exception whose type cannot be rebuilt here, or the worker failed around it (e.g. a result
    /// could not be encoded); <see cref="RemoteException.ItemIndex"/> says on which item (its index in <paramref name="items"/>, on a retry too).</exception>
    /// <exception cref="ItemTimeoutException">An item ran past its deadline (and was not retried, or every retry did too).</exception>
    /// <exception cref="WorkerLostException">A chunk's worker died too many times.</exception>
    /// <exception cref="NotShippableException">The function or an item cannot travel to a worker.</exception>
    /// <exception cref="ArgumentException"><paramref name="itemOptions"/> is invalid (its <see cref="ArgumentException.ParamName"/> names the option).</exception>
    public Task<TOut[]> MapAsync<TIn, TOut>(
        Func<TIn, TOut> function,
        IEnumerable<TIn> items,
        int? chunkSize = null,
        IProgress<MapProgress>? progress = null,
        ItemOptions? itemOptions = null,
        CancellationToken cancellationToken = default) =>
        MapToArrayAsync<TIn, TOut>(function, items, chunkSize, progress, itemOptions, isApply: false, cancellationToken);

    /// <summary>
    /// As <see cref="MapAsync{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int?,IProgress{MapProgress}?,ItemOptions?,CancellationToken)"/>,
    /// for a function that stops when asked: its token is cancelled in the worker as soon as the call is
    /// cancelled, and its worker is killed only if it has not returned after <see cref="PoolOptions.CancellationGracePeriod"/>.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A function of an item and a token that is cancelled when the call is.</param>
    /// <param name="items">The input; read once.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="progress">Told of items done as chunks finish.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Cancels the function's token in the worker, then stops the map.</param>
    /// <returns>The results, in input order.</returns>
    /// <exception cref="Exception">As the other overload.</exception>
    public Task<TOut[]> MapAsync<TIn, TOut>(
        Func<TIn, CancellationToken, TOut> function,
        IEnumerable<TIn> items,
        int? chunkSize = null,
        IProgress<MapProgress>? progress = null,
        ItemOptions? itemOptions = null,
        CancellationToken cancellationToken = default) =>
        MapToArrayAsync<TIn, TOut>(function, items, chunkSize, progress, itemOptions, isApply: false, cancellationToken);

    private async Task<TOut[]> MapToArrayAsync<TIn, TOut>(
        Delegate function,
        IEnumerable<TIn> items,
        int? chunkSize,
        IProgress<MapProgress>? progress,
        ItemOptions? itemOptions,
        bool isApply,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items as IReadOnlyList<TIn> ?? items.ToArray();
        var size = chunkSize ?? DefaultChunkSize(list.Count);
        var results = new TOut[list.Count];
        await using var run = Start<TIn>(function, size, ordered: false, progress, list.Count, itemOptions, (feeder, token) => feeder.RunAsync(list, token), cancellationToken, isApply);
        while (await run.NextAsync(cancellationToken).ConfigureAwait(false) is { } done)
        {
            foreach (var segment in done.Segments)
            {
                ChunkCodec.DecodeItems<TOut>(segment.Items).CopyTo(results, done.Offset + segment.ItemOffset);
            }
        }
        return results;
    }

    /// <summary>Like <see cref="MapAsync{TIn,TOut}(Func{TIn,TOut},IEnumerable{TIn},int?,IProgress{MapProgress}?,ItemOptions?,CancellationToken)"/>, with each item unpacked into the function's two arguments (Python's <c>starmap</c>).</summary>
    /// <typeparam name="T1">The first argument's type.</typeparam>
    /// <typeparam name="T2">The second argument's type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">The function of two arguments.</param>
    /// <param name="items">Argument pairs.</param>
    /// <param name="chunkSize">Items per task; at least 1.</param>
    /// <param name="itemOptions">This call's deadline per item and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Stops the map.</param>
    /// <returns>The results, in input order.</returns>
    /// <exception cref="Exception">As <c>MapAsync</c>.</exception>
    public Task<TOut[]> StarMapAsync<T1, T2, TOut>(
        Func<T1, T2, TOut> function,
        IEnumerable<(T1, T2)> items,
        int? chunkSize = null,
        ItemOptions? itemOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return MapAsync<(T1, T2), TOut>(pair => function(pair.Item1, pair.Item2), items, chunkSize, null, itemOptions, cancellationToken);
    }

    /// <summary>Runs <paramref name="function"/> once in a worker process (Python's <c>apply_async</c>).</summary>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A static method, lambda or closure over shippable values.</param>
    /// <param name="itemOptions">This call's deadline and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Abandons the call; a worker still running it after
    /// <see cref="PoolOptions.CancellationGracePeriod"/> is killed and replaced.</param>
    /// <returns>The function's result.</returns>
    /// <exception cref="Exception">The function threw an exception whose type can be rebuilt here (see <see cref="RemoteException"/>'s remarks):
    /// that type, with the remote message, and a <see cref="RemoteException"/> (remote stack) as its inner exception.</exception>
    /// <exception cref="RemoteException">The function threw an exception whose type cannot be rebuilt here, or the worker failed around it
    /// (e.g. the result could not be encoded).</exception>
    /// <exception cref="ItemTimeoutException">The call ran past its deadline (and was not retried, or every retry did too).</exception>
    /// <exception cref="WorkerLostException">The call's worker died too many times.</exception>
    /// <exception cref="NotShippableException">The function cannot travel to a worker.</exception>
    public Task<TOut> ApplyAsync<TOut>(Func<TOut> function, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        try
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            var items = ItemOptions.Resolve(itemOptions, _items);
            if (_applyStreams.For(items) is { } stream)
            {
                // The common case: one of the pool's stream of calls, dispatched in batches with the others.
                using (HostBoundWork.SendingTo(_hostBound))
                {
                    return stream.Submit(function, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TOut>(cancellationToken);
        }
        catch (Exception error)
        {
            // As every other call's: its errors are in its task.
            return Task.FromException<TOut>(error);
        }
        return ApplyOnceAsync<TOut>(new Func<int, TOut>(_ => function()), itemOptions, cancellationToken);
    }

    /// <summary>
    /// As <see cref="ApplyAsync{TOut}(Func{TOut},ItemOptions?,CancellationToken)"/>, for a function that stops when
    /// asked: its token is cancelled in the worker as soon as the call is, and its worker is killed only
    /// if it has not returned after <see cref="PoolOptions.CancellationGracePeriod"/>.
    /// </summary>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="function">A function of a token that is cancelled when the call is.</param>
    /// <param name="itemOptions">This call's deadline and retry policy; <see langword="null"/> for the pool's.</param>
    /// <param name="cancellationToken">Cancels the function's token in the worker, then abandons the call.</param>
    /// <returns>The function's result.</returns>
    /// <exception cref="Exception">As the other overload.</exception>
    public Task<TOut> ApplyAsync<TOut>(Func<CancellationToken, TOut> function, ItemOptions? itemOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        return ApplyOnceAsync<TOut>(new Func<int, CancellationToken, TOut>((_, token) => function(token)), itemOptions, cancellationToken);
    }

    private async Task<TOut> ApplyOnceAsync<TOut>(Delegate function, ItemOptions? itemOptions, CancellationToken cancellationToken)
    {
        var results = await MapToArrayAsync<int, TOut>(function, [0], 1, null, itemOptions, isApply: true, cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>The CPUs local workers' compute threads are bound to, round-robin; <see langword="null"/> for none (see <see cref="PoolOptions.PinWorkersToCpus"/>).</summary>
    private static IReadOnlyList<int>? WorkerCpus(PoolOptions options)
    {
        if (options.PinWorkersToCpus == false || options.Processes == 0 || CpuAffinity.AllowedCpus() is not { } cpus)
        {
            return null;
        }
        return options.PinWorkersToCpus == true || (cpus.Count > 1 && cpus.Count == options.Processes) ? cpus : null;
    }

    private int DefaultChunkSize(int count) => Math.Max(1, (int)Math.Ceiling(count / (4.0 * Processes)));

    private MapRun<TIn> Start<TIn>(
        Delegate function,
        int chunkSize,
        bool ordered,
        IProgress<MapProgress>? progress,
        long? total,
        ItemOptions? itemOptions,
        Func<MapFeeder<TIn>, CancellationToken, Task> feed,
        CancellationToken cancellationToken,
        bool isApply = false,
        bool chunksFailAlone = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var items = ItemOptions.Resolve(itemOptions, _items);
        // The feed that MapRun starts encodes the items; it inherits the scope (an AsyncLocal) from here.
        using (HostBoundWork.SendingTo(_hostBound))
        {
            var encoded = ValueCodec.Encode(function, "the map function");
            return new MapRun<TIn>(_router, Processes, _maxPayloadBytes, encoded, chunkSize, ordered, progress, total, items, feed, cancellationToken, _routerGone.Token, isApply, chunksFailAlone);
        }
    }

    /// <summary>
    /// An ordered map fed with chunks the caller cuts (<see cref="PoolFlowExtensions"/>' flow cuts them by
    /// demand), of at most <paramref name="maxChunkSize"/> items; a failed chunk is its outcome, not the map's end.
    /// </summary>
    internal MapRun<TIn> StartChunked<TIn>(Delegate function, int maxChunkSize, ItemOptions? itemOptions, ChannelReader<TIn[]> chunks, CancellationToken cancellationToken) =>
        Start<TIn>(function, maxChunkSize, ordered: true, null, null, itemOptions, (feeder, token) => feeder.RunAsync(chunks, token), cancellationToken, chunksFailAlone: true);

    /// <summary><c>MapAsync</c> for a function of either shape (of an item, or of an item and a token).</summary>
    internal Task<TOut[]> MapDelegateAsync<TIn, TOut>(Delegate function, IReadOnlyList<TIn> items, int chunkSize, ItemOptions? itemOptions, CancellationToken cancellationToken) =>
        MapToArrayAsync<TIn, TOut>(function, items, chunkSize, null, itemOptions, isApply: false, cancellationToken);

    private void ThrowIfDisposed()
    {
        // The runtime's disposal ends the router a moment later: from its start the pool refuses work.
        if (Volatile.Read(ref _state) != 0 || _runtime.IsDisposed)
        {
            throw new ObjectDisposedException(nameof(Pool), (_routerGone.IsCancellationRequested || _runtime.IsDisposed) && !_disposeAsked
                ? PoolRouter.Ended + " It takes no new work."
                : "The pool is closed or terminated: it takes no new work.");
        }
    }
}
