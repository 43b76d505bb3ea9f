using ActorParallel.Configuration;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using ActorParallel.Workers;
using Akka.Actor;

namespace ActorParallel;

/// <summary>
/// The driver: an ActorSystem with remoting on loopback and the supervisor of worker processes.
/// <see cref="Default"/> is created on first use and ends its workers when this process exits; create
/// your own to choose options, or <see cref="Attach"/> to an ActorSystem you already run.
/// A runtime that starts its own systems runs its supervisor, local pools and their workers in a
/// local ActorSystem (its workers are linked directly, without Akka.Remote), and starts its remoting
/// and cluster system (<see cref="System"/>) only when something needs it: a <see cref="Manager"/>,
/// Host nodes, a pool on them, or a use of <see cref="System"/>.
/// </summary>
public sealed partial class ParallelRuntime : IAsyncDisposable
{
    private static readonly Lock DefaultLock = new();
    private static ParallelRuntime? s_default;
    private static ParallelRuntimeOptions? s_defaultOptions;
    private static int s_supervisorCount;

    private readonly bool _ownsSystem;
    private readonly ActorSystem _localSystem;
    // The remoting and cluster system, started on first need; null when one system serves everything
    // (a Host node, an attached system, a runtime that needed the cluster from its start).
    private readonly Lazy<ActorSystem>? _clusterSystem;
    private readonly Lazy<HostNodes> _hostNodes;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, WorkerProcess> _children = new();
    private int _disposed;
    private int _stoppingAtExit;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Task> _starting = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly PrelaunchedWorkers _prelaunched;

    private ParallelRuntime(ActorSystem system, bool ownsSystem, ParallelRuntimeOptions options, PrelaunchedWorkers prelaunched, string? supervisorName = null, Func<ActorSystem>? startClusterSystem = null)
    {
        _localSystem = system;
        Options = options;
        _ownsSystem = ownsSystem;
        if (!ownsSystem && options.LoggerFactory is { } logs)
        {
            // An application's own system: the library's messages (and Akka's, if the system logs
            // through ActorParallel's bridge) go to the factory given.
            ActorParallelLogging.Get(system).Use(logs);
        }
        if (!ownsSystem && ((ExtendedActorSystem)system).Provider is Akka.Remote.RemoteActorRefProvider)
        {
            // An application's own system: ready to receive messages larger than a frame from the workers.
            WireSegments.Get(system);
        }
        if (startClusterSystem is not null)
        {
            _clusterSystem = new Lazy<ActorSystem>(() => StartClusterSystem(startClusterSystem));
        }
        _hostNodes = new Lazy<HostNodes>(() => new HostNodes(System));
        _prelaunched = prelaunched;
        var hostNode = supervisorName == HostNodeSupervisorName;
        Supervisor = system.ActorOf(ProcessSupervisor.Props(options, prelaunched, driverOnly: hostNode), supervisorName ?? $"actorparallel-{Interlocked.Increment(ref s_supervisorCount)}");
        if (hostNode && ((ExtendedActorSystem)system).Provider is Akka.Cluster.ClusterActorRefProvider)
        {
            system.ActorOf(DriverWatch.Props(), "actorparallel-driver-watch");
            // A replica of the driver's shared objects, for a Manager's Majority or All write consistency.
            _ = Akka.DistributedData.DistributedData.Get(system).Replicator;
        }
    }

    /// <summary>The runtime that <c>new WorkerProcess(...)</c> and <c>new Pool(...)</c> use, created on first use with default options.</summary>
    public static ParallelRuntime Default => GetDefault(prestart: 0, clusterNow: false);

    /// <summary><see cref="Default"/> if something has created it, else <see langword="null"/> (nothing is started).</summary>
    internal static ParallelRuntime? DefaultIfCreated
    {
        get
        {
            lock (DefaultLock)
            {
                return s_default;
            }
        }
    }

    /// <summary>
    /// The Akka configuration a driver ActorSystem needs (remote provider on 127.0.0.1 with an OS-chosen
    /// port, ActorParallel's serializer). Use it as a fallback when you create a system to <see cref="Attach"/>.
    /// </summary>
    public static Akka.Configuration.Config AkkaConfiguration => AkkaConfig.Driver;

    /// <summary>
    /// The driver's ActorSystem, with remoting on loopback and the cluster provider. For a runtime that
    /// started its own systems (<see cref="Create(ParallelRuntimeOptions?)"/>, <see cref="Default"/>) it is
    /// started on first need - this property, a <see cref="Manager"/>, <see cref="AcceptHostNodesAsync"/> -
    /// and lives and ends together with the local system that runs the supervisor and the local pools
    /// (terminating either ends both, and the workers with them).
    /// </summary>
    public ActorSystem System =>
        _clusterSystem is { } cluster && (cluster.IsValueCreated || Volatile.Read(ref _disposed) == 0) ? cluster.Value : _localSystem;

    /// <summary>The system of the supervisor, the local pools and their workers' links: <see cref="System"/> itself unless this runtime started a local one.</summary>
    internal ActorSystem LocalSystem => _localSystem;

    /// <summary>
    /// The process supervisor. Send it <see cref="StartProcess"/>, <see cref="JoinProcess"/>,
    /// <see cref="TerminateProcess"/> and <see cref="KillProcess"/> from any actor.
    /// </summary>
    public IActorRef Supervisor { get; }

    /// <summary>The options this runtime was created with (a validated copy).</summary>
    public ParallelRuntimeOptions Options { get; }

    /// <summary>Starts a driver ActorSystem of its own.</summary>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <returns>The runtime; dispose it to end its workers and its ActorSystem.</returns>
    public static ParallelRuntime Create(ParallelRuntimeOptions? options = null) => Create(options, prestart: 0, clusterNow: false);

    /// <summary>
    /// Runs the supervisor in an ActorSystem you own. It must use the remote (or cluster) provider and
    /// include <see cref="AkkaConfiguration"/> as a fallback. Disposing the runtime ends its workers, not your system.
    /// </summary>
    /// <param name="system">Your ActorSystem.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>. <see cref="ParallelRuntimeOptions.SystemName"/> is taken from <paramref name="system"/>.</param>
    /// <returns>The runtime.</returns>
    public static ParallelRuntime Attach(ActorSystem system, ParallelRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var validated = (options ?? new ParallelRuntimeOptions()).Validated();
        validated.SystemName = system.Name;
        if (((ExtendedActorSystem)system).Provider.DefaultAddress.HasLocalScope)
        {
            throw new ArgumentException($"ActorSystem '{system.Name}' has no remoting: use ParallelRuntime.AkkaConfiguration as its configuration's fallback.", nameof(system));
        }
        var spares = new PrelaunchedWorkers(validated.SystemName, validated, validated.SpareProcesses);
        spares.Launch(validated.SpareProcesses, spare: true);
        return new ParallelRuntime(system, ownsSystem: false, validated, spares);
    }

    /// <summary>
    /// Sets the options <see cref="Default"/> will be created with (as Python's <c>set_start_method</c>
    /// configures its module-level context). Call it before anything uses <see cref="Default"/>.
    /// </summary>
    /// <param name="options">The options; validated now.</param>
    /// <exception cref="InvalidOperationException">The default runtime already exists.</exception>
    public static void ConfigureDefault(ParallelRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validated = options.Validated();
        lock (DefaultLock)
        {
            if (s_default is not null)
            {
                throw new InvalidOperationException("ParallelRuntime.Default is already running: call ConfigureDefault before the first process, pool or manager uses it.");
            }
            s_defaultOptions = validated;
        }
    }

    /// <summary>
    /// Completes once every spare process (<see cref="ParallelRuntimeOptions.SpareProcesses"/>) is up and
    /// waits to be taken, including those launched to replace spares taken by processes that have been joined.
    /// </summary>
    internal async Task SparesWaitingAsync()
    {
        var waiting = await Supervisor.Ask<Task>(SparesWaiting.Instance, Timeouts.ActorLookup).ConfigureAwait(false);
        await waiting.ConfigureAwait(false);
    }

    /// <summary>
    /// The default runtime; when this call creates it, <paramref name="prestart"/> workers (the pool
    /// that asks) are launched first, so that they start while the driver's ActorSystem does, and
    /// <paramref name="clusterNow"/> (a Manager that asks) makes its one system the cluster system.
    /// </summary>
    internal static ParallelRuntime GetDefault(int prestart, bool clusterNow)
    {
        lock (DefaultLock)
        {
            if (s_default is null)
            {
                var runtime = Create(s_defaultOptions, prestart, clusterNow);
                // Stopping the systems stops the supervisor, whose process actors kill what still runs.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => runtime.StopAtExit(unhandled: null);
                // An exception no code caught ends a .NET program without ProcessExit; Python's exit after an
                // uncaught exception in the main thread joins the non-daemonic children all the same.
                AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                {
                    if (e.IsTerminating)
                    {
                        runtime.StopAtExit(unhandled: e.ExceptionObject);
                    }
                };
                s_default = runtime;
            }
            return s_default;
        }
    }

    /// <summary>
    /// Starts a driver ActorSystem of its own, launching <paramref name="prestart"/> workers first so that
    /// they start while it does. Its workers linked directly need no remoting: the system is a local one,
    /// and the cluster system starts when first needed - unless <paramref name="clusterNow"/> or workers
    /// linked over remoting (<see cref="WorkerLink.Remoting"/>) need it from the start, and it is the only one.
    /// </summary>
    internal static ParallelRuntime Create(ParallelRuntimeOptions? options, int prestart, bool clusterNow = false)
    {
        var validated = (options ?? new ParallelRuntimeOptions()).Validated();
        // Worker processes need no driver address to start (they are told it on stdin when adopted):
        // launching them first overlaps their start with the driver's.
        var prelaunched = new PrelaunchedWorkers(validated.SystemName, validated, validated.SpareProcesses);
        prelaunched.Launch(prestart);
        prelaunched.Launch(validated.SpareProcesses, spare: true);
        try
        {
            if (clusterNow || validated.WorkerLink == WorkerLink.Remoting)
            {
                return new ParallelRuntime(validated.Transport.CreateSystem(validated.SystemName, validated.DriverConfig, validated.LoggerFactory), ownsSystem: true, validated, prelaunched);
            }
            var local = NodeTransport.CreateLocalSystem(validated.SystemName, AkkaConfig.OwnLocal, validated.LoggerFactory);
            return new ParallelRuntime(local, ownsSystem: true, validated, prelaunched,
                startClusterSystem: () => validated.Transport.CreateSystem(validated.SystemName, validated.DriverConfig, validated.LoggerFactory));
        }
        catch
        {
            prelaunched.Dispose();
            throw;
        }
    }

    /// <summary>Starts the cluster system of a runtime whose supervisor runs in a local one, tying their lifetimes together.</summary>
    private ActorSystem StartClusterSystem(Func<ActorSystem> start)
    {
        var cluster = start();
        var local = _localSystem;
        cluster.RegisterOnTermination(() => local.Terminate());
        local.RegisterOnTermination(() => cluster.Terminate());
        return cluster;
    }

    /// <summary>
    /// At process exit (or at an unhandled exception, which ends the program without ProcessExit): daemons
    /// are terminated and the other processes joined; then the supervisor's end kills what still runs (its
    /// workers also see their link close); the systems are terminated, and waited for only when Host nodes are in the cluster (they
    /// are told the driver leaves): a one-member cluster's leave took ~0.8 s that only delayed the exit.
    /// </summary>
    /// <param name="unhandled">The exception that ends the program, if one does.</param>
    private void StopAtExit(object? unhandled)
    {
        if (Interlocked.Exchange(ref _stoppingAtExit, 1) != 0)
        {
            return;
        }
        // As Python's exit terminates its daemonic children, then joins the others: they finish what they
        // were started for. (Ctrl-C and SIGTERM end a .NET program without this handler: its workers end
        // as their link closes.)
        try
        {
            // Starts still on their way (a StartAsync not awaited) first: Python's start() has returned by then.
            Task.WaitAll([.. _starting.Values]);
        }
        catch (AggregateException)
        {
            // Failed starts left nothing running.
        }
        try
        {
            var running = ActiveChildren();
            foreach (var daemon in running.Where(process => process.Daemon))
            {
                _ = daemon.TerminateAsync();
            }
            var joined = running.Where(process => !process.Daemon).ToList();
            if (unhandled is not null && joined.Count > 0)
            {
                // .NET prints the exception only once this handler returns, and not at all if the wait is
                // interrupted (Ctrl-C): print it now, as Python prints its traceback before it joins.
                Console.Error.WriteLine($"Unhandled exception. {unhandled}");
                Console.Error.WriteLine($"ActorParallel: waiting for the program's {joined.Count} running process(es) that are not daemons "
                    + $"({string.Join(", ", joined.Select(process => process.Name))}) to finish, as Python does at exit "
                    + "(WorkerProcess.Daemon = true processes are terminated instead); .NET reports the exception again when the program ends.");
            }
            Task.WaitAll([.. joined.Select(process => process.JoinAsync())]);
        }
        catch (Exception exception) when (exception is AggregateException or InvalidOperationException or ObjectDisposedException)
        {
            // A join that failed (the runtime stopping, a process closed meanwhile): the supervisor's end
            // below kills what still runs.
        }
        try
        {
            var stopped = Supervisor.GracefulStop(Timeouts.SystemStopAtExit);
            var terminated = TerminateOwnSystems();
            (HostNodesUp > 0 ? Task.WhenAll(stopped, terminated) : stopped).Wait(Timeouts.SystemStopAtExit);
        }
        catch (AggregateException)
        {
            // Not stopped in time: the workers end when their link to this process closes.
        }
    }

    /// <summary>Terminates the systems this runtime started (the cluster system only if it was).</summary>
    private Task TerminateOwnSystems() =>
        _clusterSystem is { IsValueCreated: true } cluster
            ? Task.WhenAll(_localSystem.Terminate(), cluster.Value.Terminate())
            : _localSystem.Terminate();

    /// <summary>Creates a process that runs <paramref name="target"/> with <paramref name="args"/>; call <see cref="WorkerProcess.StartAsync"/> to start it.</summary>
    /// <param name="target">A static method, lambda, or closure over shippable values.</param>
    /// <param name="args">The target's arguments.</param>
    /// <returns>The process, not yet started.</returns>
    /// <exception cref="ObjectDisposedException">This runtime is disposed.</exception>
    public WorkerProcess CreateProcess(Delegate target, params object?[] args)
    {
        ThrowIfDisposed();
        return new(this, target, args);
    }

    /// <summary>
    /// The <see cref="WorkerProcess"/>es started on this runtime that are still running, in the order
    /// they were started: Python's <c>multiprocessing.active_children()</c>. A process leaves the list
    /// when its exit is known (when <see cref="WorkerProcess.JoinAsync"/> would return
    /// <see langword="true"/>). Unlike Python's, the list holds no pool workers: they belong to their
    /// <see cref="Pool"/> (<see cref="Pool.GetWorkerPidsAsync"/>).
    /// </summary>
    /// <returns>A snapshot; empty when no process runs.</returns>
    public IReadOnlyList<WorkerProcess> ActiveChildren() =>
        [.. _children.Values.Where(process => process.IsAlive).OrderBy(process => process.Id)];

    /// <summary>A process of this runtime has started: it is listed by <see cref="ActiveChildren"/> until its exit is known.</summary>
    internal void AddChild(WorkerProcess process) => _children[process.Id] = process;

    /// <summary>A process of this runtime has exited, or was closed.</summary>
    internal void RemoveChild(WorkerProcess process) => _children.TryRemove(process.Id, out _);

    /// <summary>A start on its way (until <paramref name="outcome"/> completes): the exit waits for it before it joins what runs.</summary>
    internal void StartPending(WorkerProcess process, Task outcome)
    {
        _starting[process.Id] = outcome;
        outcome.ContinueWith(_ => _starting.TryRemove(process.Id, out var _), TaskScheduler.Default);
    }

    /// <summary>Starts a pool of worker processes on this runtime.</summary>
    /// <param name="options">The pool's options; defaults when <see langword="null"/>.</param>
    /// <returns>The pool; dispose it to end its workers.</returns>
    /// <exception cref="ObjectDisposedException">This runtime is disposed.</exception>
    public Pool CreatePool(PoolOptions? options = null) => new(this, options ?? new PoolOptions());

    /// <summary>Cancelled when <see cref="DisposeAsync"/> begins: what waits on this runtime's supervisor stops waiting.</summary>
    internal CancellationToken Disposing => _disposing.Token;

    /// <exception cref="ObjectDisposedException">This runtime is disposed (or being disposed).</exception>
    /// <summary>Whether <see cref="DisposeAsync"/> has begun: its pools take no new work from then on.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(ParallelRuntime), "This ParallelRuntime is disposed: it starts no more processes, pools or managers.");
        }
    }

    /// <summary>Terminates every running worker process (SIGTERM, then SIGKILL), then the ActorSystem if this runtime created it.</summary>
    /// <returns>A task that completes when the workers are gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _disposing.Cancel();
        var bound = Options.TerminateGracePeriod + Timeouts.RuntimeDisposeSlack;
        try
        {
            var running = await Supervisor.Ask<RunningProcesses>(ListProcesses.Instance, bound).ConfigureAwait(false);
            await Task.WhenAll(running.ProcessIds.Select(id => Supervisor.Ask<IProcessExitResponse>(new TerminateProcess(id), bound))).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            // Stopping the supervisor below kills whatever did not end in time.
        }
        await Supervisor.GracefulStop(bound).ConfigureAwait(false);
        if (_ownsSystem)
        {
            await TerminateOwnSystems().ConfigureAwait(false);
        }
    }
}
