using ActorParallel.Configuration;

namespace ActorParallel;

/// <summary>How a <see cref="ParallelRuntime"/> starts and ends worker processes.</summary>
public sealed class ParallelRuntimeOptions
{
    /// <summary>The name of the driver's ActorSystem, which worker systems share.</summary>
    /// <value>The default value is <c>"actorparallel"</c>.</value>
    public string SystemName { get; set; } = "actorparallel";

    /// <summary>Which executable a worker process runs.</summary>
    /// <value>The default value is <see cref="ActorParallel.WorkerStart.Auto"/>.</value>
    public WorkerStart WorkerStart { get; set; } = WorkerStart.Auto;

    /// <summary>
    /// The worker executable for <see cref="ActorParallel.WorkerStart.Host"/>: an apphost or a <c>.dll</c>
    /// run with <c>dotnet</c>. When <see langword="null"/>, <c>ActorParallel.Host</c> beside the application is used.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? WorkerHostPath { get; set; }

    /// <summary>How long a new worker process may take to connect back before it is killed.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How the driver talks to the worker processes it starts on this machine: over a
    /// <see cref="ActorParallel.WorkerLink.Direct"/> socket (the worker starts no ActorSystem unless
    /// its code uses a shared object) or by <see cref="ActorParallel.WorkerLink.Remoting"/> (a worker
    /// actor remote-deployed into each worker's ActorSystem). Workers on Host nodes always use remoting.
    /// </summary>
    /// <value>The default value is <see cref="ActorParallel.WorkerLink.Direct"/>.</value>
    public WorkerLink WorkerLink { get; set; } = WorkerLink.Direct;

    /// <summary>How long <c>TerminateAsync</c> waits after SIGTERM before it sends SIGKILL.</summary>
    /// <value>The default value is 750 milliseconds.</value>
    public TimeSpan TerminateGracePeriod { get; set; } = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// How long a worker process on this machine may go unheard (no heartbeat, or a send to it blocked)
    /// before it is given up: killed, replaced, and its chunks run elsewhere. Heartbeats go every second
    /// on a direct link; a remoting worker is watched by Akka's remote watcher with this pause
    /// (<c>akka.remote.watch-failure-detector.acceptable-heartbeat-pause</c>). A process that is frozen
    /// (SIGSTOP, a stuck host) or paused longer than this is lost; raise it for workers whose garbage
    /// collections of a large heap pause them for seconds. <see cref="Timeout.InfiniteTimeSpan"/> (or any
    /// value of <see cref="int.MaxValue"/> milliseconds or more) never gives a silent worker up, as Python
    /// never does: a frozen worker then holds its chunks until it thaws or dies. Workers on Host nodes are
    /// watched by their node's settings.
    /// </summary>
    /// <value>The default value is 4 seconds; from 2 seconds, or infinite.</value>
    public TimeSpan WorkerHeartbeatTimeout { get; set; } = Configuration.Timeouts.LinkAcceptablePause;

    /// <summary>
    /// How many worker processes may be starting (launched, not yet connected back) at once; more
    /// wait for a slot. Starting is CPU-bound, so launching many more than the cores can serve only
    /// makes every one of them slow.
    /// </summary>
    /// <value>The default value is four per processor (at least 4).</value>
    public int MaxConcurrentLaunches { get; set; } = Math.Max(4, 4 * Environment.ProcessorCount);

    /// <summary>
    /// How many worker processes the runtime keeps started, warmed up, linked and waiting, so that a
    /// <see cref="WorkerProcess"/> runs its target a few milliseconds after <c>StartAsync</c> instead
    /// of the tens of milliseconds a new .NET process takes to start (the idea of Python's
    /// <c>forkserver</c> with <c>set_forkserver_preload</c>). A spare has run no user code: taking one
    /// is a fresh process, as isolated as a cold start. A spare that is taken is replaced 50 ms after
    /// a process of this runtime ends, so that its start does not compete for the cores with a burst
    /// of processes still ending; one that died while it waited is never handed over. A pool's
    /// workers linked directly (the default) start their own. Each spare costs an idle worker's
    /// memory (~38 MB RSS here, 3 MB of it its own) until it is taken or the runtime is disposed.
    /// Local workers only.
    /// </summary>
    /// <value>The default value is 0 (no spare processes); from 0 to 256.</value>
    public int SpareProcesses { get; set; }

    /// <summary>
    /// Folders that worker processes load the user's assemblies from, besides the application's own
    /// folder (a Host node adds the folders of its <c>--assembly</c> files).
    /// </summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> AssemblyDirectories { get; set; } = [];

    /// <summary>
    /// The address the driver (and the worker processes it starts) listen on. Anything other than a
    /// loopback address needs <see cref="CertificatePath"/>.
    /// </summary>
    /// <value>The default value is <c>"127.0.0.1"</c>: nothing outside this machine can connect.</value>
    public string Hostname { get; set; } = NodeTransport.Loopback.Hostname;

    /// <summary>The address other nodes use to reach the driver, when it differs from <see cref="Hostname"/> (NAT).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="Hostname"/>.</value>
    public string? PublicHostname { get; set; }

    /// <summary>The driver's port (workers always take one the OS chooses).</summary>
    /// <value>The default value is 0: the OS chooses.</value>
    public int Port { get; set; }

    /// <summary>
    /// The cluster's certificate (PKCS#12 with its private key; make one with
    /// <see cref="ClusterCertificate.CreateFile"/>). When set, every connection of the driver and its
    /// workers is mutual TLS, and peers are accepted only if they present this same certificate.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no TLS, loopback only.</value>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, if it has one.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Where the runtime logs: its own messages (categories <c>ActorParallel.Pool</c>,
    /// <c>ActorParallel.Processes</c>, <c>ActorParallel.Nodes</c>, <c>ActorParallel.Wire</c>, and
    /// <c>ActorParallel.Worker</c> for what its worker processes report about themselves), and Akka's
    /// messages of the ActorSystems it starts, under the Akka class that logged them
    /// (<c>Akka.Remote.EndpointWriter</c>, ...). The systems log Akka's messages from the lowest level
    /// this factory enables for the category <c>Akka</c>. Levels: <c>Error</c>, a fault that no caller
    /// will hear of as an exception (a pool that broke, a message that was dropped); <c>Warning</c>, a
    /// problem that was worked around (a worker not heard from and given up, a peer refused);
    /// <c>Information</c>, what the runtime did on its own (a worker that died and was replaced, one
    /// recycled or killed at a deadline); <c>Debug</c>, Akka's routine reports of connections that ended.
    /// Akka.Hosting applications (<c>WithActorParallel</c>) get the application's factory from dependency
    /// injection; for Akka's own messages of a hosted system, use Akka.Hosting's
    /// <c>ConfigureLoggers(l =&gt; l.AddLoggerFactory())</c>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: warnings and errors only, one line each on stderr
    /// (<c>[WARNING] 19:13:00.678 ActorParallel.Pool: ...</c>), as Python's <c>logging</c> prints records
    /// no handler took.
    /// </value>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The factory the runtime logs to: <see cref="LoggerFactory"/>, or the process's default (stderr from WARNING up).</summary>
    internal Microsoft.Extensions.Logging.ILoggerFactory Logs => LoggerFactory ?? ProcessLogs.Default;

    internal NodeTransport Transport => new(Hostname, PublicHostname, Port, CertificatePath, CertificatePassword) { BulkLinks = BulkLinks };

    /// <summary>Whether large messages over Akka.Remote may take a connection of their own (tests turn it off to exercise segments).</summary>
    internal bool BulkLinks { get; set; } = true;

    /// <summary>The most workers a pool may launch while the default runtime starts (see <see cref="ParallelRuntime.Default"/>).</summary>
    internal const int MaxPrestart = 256;

    /// <summary>The driver system's configuration: the library's, with the remote watcher's pause set to <see cref="WorkerHeartbeatTimeout"/>.</summary>
    internal Akka.Configuration.Config DriverConfig =>
        WorkerHeartbeatTimeout == Configuration.Timeouts.LinkAcceptablePause
            ? Configuration.AkkaConfig.OwnDriver
            : Configuration.AkkaConfig.Settings(("akka.remote.watch-failure-detector.acceptable-heartbeat-pause", $"{(long)HeartbeatPause.TotalMilliseconds}ms"))
                .WithFallback(Configuration.AkkaConfig.OwnDriver);

    /// <summary><see cref="WorkerHeartbeatTimeout"/>, with "never" as <see cref="Timeout.InfiniteTimeSpan"/> (Akka's failure detector gets ~24.8 days for it).</summary>
    internal TimeSpan HeartbeatPause =>
        WorkerHeartbeatTimeout == Timeout.InfiniteTimeSpan || WorkerHeartbeatTimeout.TotalMilliseconds >= int.MaxValue
            ? TimeSpan.FromMilliseconds(int.MaxValue)
            : WorkerHeartbeatTimeout;

    internal ParallelRuntimeOptions Validated()
    {
        var problems = new OptionProblems(nameof(ParallelRuntimeOptions));
        if (string.IsNullOrWhiteSpace(SystemName) || !SystemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            problems.Add(nameof(SystemName), $"{nameof(SystemName)} must be non-empty ASCII letters, digits, '-' or '_' (was '{SystemName}').");
        }
        if (!Enum.IsDefined(WorkerStart))
        {
            problems.Add(nameof(WorkerStart), $"{nameof(WorkerStart)} has no value {(int)WorkerStart}.");
        }
        if (!Enum.IsDefined(WorkerLink))
        {
            problems.Add(nameof(WorkerLink), $"{nameof(WorkerLink)} has no value {(int)WorkerLink}.");
        }
        if (WorkerStartTimeout <= TimeSpan.Zero)
        {
            problems.Add(nameof(WorkerStartTimeout), $"{nameof(WorkerStartTimeout)} must be positive (was {WorkerStartTimeout}).");
        }
        if (TerminateGracePeriod < TimeSpan.Zero)
        {
            problems.Add(nameof(TerminateGracePeriod), $"{nameof(TerminateGracePeriod)} must not be negative (was {TerminateGracePeriod}).");
        }
        if (WorkerHeartbeatTimeout != Timeout.InfiniteTimeSpan && WorkerHeartbeatTimeout < TimeSpan.FromSeconds(2))
        {
            problems.Add(nameof(WorkerHeartbeatTimeout), $"{nameof(WorkerHeartbeatTimeout)} must be at least 2 seconds (two heartbeats), or Timeout.InfiniteTimeSpan for never (was {WorkerHeartbeatTimeout.TotalSeconds:0.###} s).");
        }
        if (SpareProcesses is < 0 or > MaxPrestart)
        {
            problems.Add(nameof(SpareProcesses), $"{nameof(SpareProcesses)} must be from 0 to {MaxPrestart} (was {SpareProcesses}).");
        }
        if (MaxConcurrentLaunches < 1)
        {
            problems.Add(nameof(MaxConcurrentLaunches), $"{nameof(MaxConcurrentLaunches)} must be at least 1 (was {MaxConcurrentLaunches}).");
        }
        foreach (var (setting, problem) in Transport.Problems(SettingNames.Options))
        {
            problems.Add(setting, problem);
        }
        problems.ThrowIfAny();
        return (ParallelRuntimeOptions)MemberwiseClone();
    }
}
