using System.Net.Sockets;
using Akka.Actor;
using OsProcess = System.Diagnostics.Process;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using ActorParallel.Configuration;

namespace ActorParallel.Driver;

/// <summary>
/// Owns one worker OS process from launch (or adoption of one launched ahead) to exit: launches it, tells it
/// where to say hello (a line on its stdin), remote-deploys a
/// <see cref="WorkerActor"/> into it when it says hello, hands it the target, and learns of its exit
/// from the OS (it is the OS parent), not from a failure detector; it reports the exit with its cause
/// (<see cref="LaunchedWorker.Diagnose"/>: the exit status, the worker's stderr, its own kill orders).
/// </summary>
internal sealed partial class WorkerProcessActor : UntypedActor, IWithTimers
{
    private readonly ProcessSpec _spec;
    private readonly IActorRef _starter;
    private readonly ParallelRuntimeOptions _options;
    private readonly List<IActorRef> _waiters = [];
    private LaunchedWorker? _launched;
    private OsProcess? _process;
    private LaunchedWorker? _prelaunched;
    private readonly bool _launchNow;
    private int _pid;
    private IActorRef? _worker;
    private RemoteError? _error;
    private ProcessExited? _exited;
    private bool _exitRequested;
    private DirectLinkOffer? _offer;

    /// <summary>Why this driver killed or terminated the process, once it has: part of its exit cause.</summary>
    private string? _endedBy;

    /// <summary>The process has exited and its stderr is being read to its end (or for <see cref="Timeouts.StderrDrain"/>) before its exit is reported.</summary>
    private bool _draining;

    public WorkerProcessActor(ProcessSpec spec, IActorRef starter, ParallelRuntimeOptions options, LaunchedWorker? prelaunched, bool launchNow)
    {
        _launchNow = launchNow;
        _spec = spec;
        _prelaunched = prelaunched;
        _starter = starter;
        _options = options;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="spec">What the process runs.</param>
    /// <param name="starter">Who hears of the start and, for a serving process, of its readiness.</param>
    /// <param name="options">The runtime's options.</param>
    /// <param name="prelaunched">An already launched worker to adopt, or <see langword="null"/> to launch one.</param>
    /// <param name="launchNow">Whether to launch at once; otherwise the actor waits for <see cref="LaunchSlot.Granted"/>.</param>
    public static Props Props(ProcessSpec spec, IActorRef starter, ParallelRuntimeOptions options, LaunchedWorker? prelaunched, bool launchNow) =>
        Akka.Actor.Props.Create(() => new WorkerProcessActor(spec, starter, options, prelaunched, launchNow));

    protected override void PreStart()
    {
        if (_prelaunched is not null || _launchNow)
        {
            Launch();
        }
    }

    private void Launch()
    {
        var adopting = _prelaunched is not null;
        try
        {
            _launched = _prelaunched ?? WorkerLauncher.Start(Context.System.Name, _options);
            _process = _launched.Process;
            _prelaunched = null;
        }
        catch (Exception exception)
        {
            _starter.Tell(new ProcessStartFailed(_spec.Id, $"Process '{_spec.Name}' could not be started: {exception.Message}"));
            Context.Stop(Self);
            return;
        }

        _pid = _process.Id;
        // A spare was offered its link when it was launched: it may be connected already. A line on its
        // stdin proves it alive (the write fails once it has died, even before its exit is seen here).
        var linked = _launched.TakeLink();
        var told = !_process.HasExited && (linked is not null
            ? LinksDirectly && DirectLinkOffer.TellFirstLine(_process, string.Empty, null) && Await(linked)
            : LinksDirectly ? OfferDirectLink() : TellWhereToSayHello());
        if (!told && adopting)
        {
            // A worker launched ahead of need died while it waited (the OOM killer, a kill from
            // outside), or cannot serve this start: this process gets a fresh one, not that one's death.
            linked?.Abandon();
            _launched.Dispose();
            Launch();
            return;
        }
        var self = Self;
        // The handler first: enabling the event on a process that has already exited raises it at once.
        _process.Exited += (_, _) => self.Tell(OsExited.Instance);
        _process.EnableRaisingEvents = true;
        Instruments.WorkerStarted(new(Instruments.RuntimeNameTag, Context.System.Name));
        _starter.Tell(new ProcessStarted(_spec.Id, _pid));
        Timers.StartSingleTimer(HelloTimeout.Instance, HelloTimeout.Instance, _options.WorkerStartTimeout);
        if (!told || _process.HasExited)
        {
            Self.Tell(OsExited.Instance);
        }
    }

    /// <summary>
    /// A worker started for this driver is linked directly (see <see cref="DirectLink"/>), unless the
    /// options say remoting; one started on a Host node for a remote driver is always remote-deployed.
    /// </summary>
    private bool LinksDirectly => _options.WorkerLink == WorkerLink.Direct && _starter.Path.Address.HasLocalScope;

    /// <summary>The first line on the worker's stdin says where to connect and the token to present.</summary>
    private bool OfferDirectLink()
    {
        DirectLinkOffer? offer;
        try
        {
            offer = DirectLinkOffer.Make(_process!, _spec.Name, MessageLimits.MaxPayloadBytes(Context.System));
        }
        catch (Exception exception) when (exception is SocketException or IOException or UnauthorizedAccessException)
        {
            _error = new RemoteError(exception.GetType().FullName!, $"No socket for the worker's direct link: {exception.Message}", string.Empty, null);
            return false;
        }
        // Null: the process died before it could be told; its exit is reported as for any other.
        return offer is not null && Await(offer);
    }

    /// <summary>Waits for the worker to connect through <paramref name="offer"/> (made here, or when a spare was launched).</summary>
    private bool Await(DirectLinkOffer offer)
    {
        _offer = offer;
        var self = Self;
        offer.Accepted.ContinueWith(
            accepted => self.Tell(accepted.IsCompletedSuccessfully ? new DirectLinkUp(accepted.Result) : new DirectLinkFailed(accepted.Exception?.GetBaseException())),
            TaskScheduler.Default);
        return true;
    }

    /// <summary>The first line on the worker's stdin is the path of this actor, which it greets.</summary>
    private bool TellWhereToSayHello() =>
        DirectLinkOffer.TellFirstLine(_process!, Self.Path.ToStringWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress), _spec.Name);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case LaunchSlot.Granted:
                Launch();
                break;
            case WorkerHello hello:
                Context.Parent.Tell(LaunchSlot.Release.Instance);
                HandleHello(hello);
                break;
            case DirectLinkUp up:
                Context.Parent.Tell(LaunchSlot.Release.Instance);
                HandleDirectLinkUp(up.Socket);
                break;
            case DirectLinkFailed failed:
                _error ??= new RemoteError(typeof(IOException).FullName!, $"The worker's direct link failed: {failed.Cause?.Message ?? "cancelled"}", string.Empty, null);
                KillOsProcess($"its direct link failed ({failed.Cause?.Message ?? "cancelled"})");
                break;
            case TargetFinished finished:
                HandleTargetFinished(finished);
                break;
            case OsExited:
                PipeBlocks.ProcessGone(_pid);
                HandleExited(waitForStderr: true);
                break;
            case StderrDrained:
                HandleExited(waitForStderr: false);
                break;
            case JoinProcess:
                Await(Sender);
                break;
            case TerminateProcess or KillProcess when _process is null:
                EndBeforeLaunch(message is KillProcess ? -ExitCodes.SigKill : -ExitCodes.SigTerm);
                break;
            case TerminateProcess:
                HandleTerminate();
                break;
            case KillProcess:
                Await(Sender);
                KillOsProcess("a KillProcess request (WorkerProcess.Kill, or its pool replacing it)");
                break;
            case ForceKill:
                KillOsProcess(_exitRequested
                    ? $"it had not exited {_options.TerminateGracePeriod.TotalSeconds:0.###} s after it was told to"
                    : "its worker was lost (silent past the heartbeat limit, or its link closed) while the process ran on");
                break;
            case HelloTimeout:
                _error ??= new RemoteError(typeof(TimeoutException).FullName!, $"The worker did not connect back within {_options.WorkerStartTimeout}.", string.Empty, null);
                KillOsProcess($"it did not connect back within {_options.WorkerStartTimeout.TotalSeconds:0.###} s");
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_worker) && !_exitRequested:
                // The worker actor is gone. If its process does not follow on its own, it can no longer be reached: end it.
                Timers.StartSingleTimer(ForceKill.Instance, ForceKill.Instance, Timeouts.KilledProcessReaped);
                break;
            case Terminated:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        _offer?.Cancel();
        if (_process is null)
        {
            return;
        }
        if (_exited is null)
        {
            // The driver is going away with this process still running: it must not outlive us.
            KillOsProcess("the driver's supervisor stopped");
            _process.WaitForExit(Timeouts.KilledProcessReaped);
            if (_process.HasExited)
            {
                Report(Exited());
            }
        }
        _launched!.Dispose();
    }

    private void HandleHello(WorkerHello hello)
    {
        Timers.Cancel(HelloTimeout.Instance);
        _launched?.RefreshOomBaseline();
        var deploy = new Deploy(new RemoteScope(Address.Parse(hello.Address)));
        _worker = Context.ActorOf(Akka.Actor.Props.Create<WorkerActor>().WithDeploy(deploy), "worker");
        Context.Watch(_worker);
        HandOver(_worker);
    }

    /// <summary>The worker (a deployed actor, or a direct link) is up: a pool's gets ready to serve, any other gets its target.</summary>
    private void HandOver(IActorRef worker)
    {
        if (_spec.Serves)
        {
            worker.Tell(PrepareToServe.Instance);
            _starter.Tell(new WorkerReady(_spec.Id, _pid, worker));
            return;
        }
        // Arguments larger than a remoting frame go in pieces (a process on the direct link gets them in one frame).
        WireSegments.Get(Context.System).Send(worker, new RunTarget(_spec.Name, _spec.Encoded), Self);
    }

    private void HandleDirectLinkUp(Socket socket)
    {
        Timers.Cancel(HelloTimeout.Instance);
        if (_exited is not null)
        {
            socket.Dispose();
            return;
        }
        _launched?.RefreshOomBaseline();
        _worker = Context.ActorOf(DirectWorkerLink.Props(socket, _pid, _options.HeartbeatPause), "worker");
        Context.Watch(_worker);
        HandOver(_worker);
    }

    /// <summary>Terminated or killed while it waited for a launch slot: there is no OS process to end.</summary>
    private void EndBeforeLaunch(int exitCode)
    {
        Await(Sender);
        _starter.Tell(new ProcessStartFailed(_spec.Id, $"Process '{_spec.Name}' was ended before it was launched."));
        var cause = new WorkerExitCause(WorkerExitKind.KilledByDriver, exitCode, "ended by this driver before it was launched") { Detail = "ended before it was launched" };
        Report(new ProcessExited(_spec.Id, 0, exitCode, null) { Cause = cause });
        Context.Stop(Self);
    }

    private void HandleTargetFinished(TargetFinished finished)
    {
        _error = finished.Error;
        _exitRequested = true;
        Sender.Tell(new ExitWorker(finished.Error is null ? ExitCodes.Success : ExitCodes.TargetFailed));
    }

    private void HandleTerminate()
    {
        Await(Sender);
        if (_exited is not null || _exitRequested)
        {
            return;
        }
        _exitRequested = true;
        _endedBy ??= "a TerminateProcess request (WorkerProcess.TerminateAsync, or its pool or runtime shutting down)";
        if (!Signals.Terminate(_pid))
        {
            KillOsProcess(_endedBy);
            return;
        }
        Timers.StartSingleTimer(ForceKill.Instance, ForceKill.Instance, _options.TerminateGracePeriod);
    }

    /// <summary>
    /// The process has exited. Its exit is reported once its stderr has been read to the end (the
    /// runtime's crash report is the last thing it wrote), or after <see cref="Timeouts.StderrDrain"/>
    /// if something else (a grandchild it started) still holds the pipe open.
    /// </summary>
    private void HandleExited(bool waitForStderr)
    {
        if (_exited is not null || _process is null || (waitForStderr && _draining))
        {
            return;
        }
        _process.WaitForExit();
        var stderr = _launched!.Stderr.Completion;
        if (waitForStderr && !stderr.IsCompleted)
        {
            _draining = true;
            var self = Self;
            stderr.ContinueWith(_ => self.Tell(StderrDrained.Instance), TaskScheduler.Default);
            Timers.StartSingleTimer(StderrDrained.Instance, StderrDrained.Instance, Timeouts.StderrDrain);
            return;
        }
        Report(Exited());
        Context.Stop(Self);
    }

    private ProcessExited Exited()
    {
        var exitCode = ExitCodes.FromOs(_process!.ExitCode);
        return new ProcessExited(_spec.Id, _pid, exitCode, _error) { Cause = _launched!.Diagnose(exitCode, _endedBy) };
    }

    private void Report(ProcessExited exited)
    {
        if (_pid != 0)
        {
            // One never launched is no process that started or exited.
            Instruments.WorkerExited(new(Instruments.RuntimeNameTag, Context.System.Name), exited.Cause?.Kind ?? WorkerExitKind.Exited);
        }
        _exited = exited;
        // The supervisor first: its record must be in its mailbox before any waiter can react with a
        // late JoinProcess, which the supervisor then answers from the record (this actor is stopping).
        Context.Parent.Tell(exited);
        foreach (var waiter in _waiters)
        {
            waiter.Tell(exited);
        }
        _waiters.Clear();
    }

    private void Await(IActorRef waiter)
    {
        if (_exited is not null)
        {
            waiter.Tell(_exited);
            return;
        }
        _waiters.Add(waiter);
    }

    private void KillOsProcess(string reason)
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _endedBy ??= reason;
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }
}
