using ActorParallel.Wire;
using Akka.Actor;

using ActorParallel.Processes;

namespace ActorParallel;

/// <summary>
/// A worker OS process that runs one target, as Python's <c>multiprocessing.Process</c>: create it
/// with a target and arguments, <see cref="StartAsync"/>, <see cref="JoinAsync"/>,
/// <see cref="TerminateAsync"/> or <see cref="Kill"/>. Each call is a message to the runtime's
/// supervisor actor (<see cref="StartProcess"/>, <see cref="JoinProcess"/>, ...).
/// </summary>
public sealed class WorkerProcess
{
    private readonly ParallelRuntime _runtime;
    private ProcessSpec _spec;
    private int _started;
    private Task<IProcessExitResponse>? _exit;
    private Exception? _exception;

    /// <summary>Creates a process on <see cref="ParallelRuntime.Default"/>.</summary>
    /// <param name="target">A static method, lambda, or closure over shippable values.</param>
    /// <param name="args">The target's arguments.</param>
    /// <exception cref="NotShippableException">The target or an argument cannot travel to another process.</exception>
    /// <exception cref="ArgumentException">The arguments do not match the target's parameters.</exception>
    public WorkerProcess(Delegate target, params object?[] args)
        : this(ParallelRuntime.Default, target, args)
    {
    }

    internal WorkerProcess(ParallelRuntime runtime, Delegate target, object?[] args)
    {
        _runtime = runtime;
        _spec = ProcessSpec.Create(target, args);
    }

    /// <summary>The id of this process in supervisor messages.</summary>
    public long Id => _spec.Id;

    /// <summary>The display name, <c>Process-N</c> unless set before <see cref="StartAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">Set after the process was started.</exception>
    public string Name
    {
        get => _spec.Name;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (Volatile.Read(ref _started) != 0)
            {
                throw new InvalidOperationException($"Process '{_spec.Name}' is already started; its name can no longer change.");
            }
            _spec = _spec with { Name = value };
        }
    }

    /// <summary>The OS process id; <see langword="null"/> before the process has started.</summary>
    public int? Pid { get; private set; }

    /// <summary>Whether the process has started and not yet exited.</summary>
    public bool IsAlive => Pid is not null && _exit is { IsCompleted: false };

    /// <summary>
    /// <see langword="null"/> while the process runs (or before it starts). Then 0 when the target
    /// returned, 1 when it threw (<see cref="Exception"/> says what), -N when it was ended by signal N
    /// (-15 by <see cref="TerminateAsync"/>, -9 by <see cref="Kill"/> or SIGKILL), otherwise the code it
    /// passed to <see cref="Environment.Exit(int)"/>.
    /// </summary>
    public int? ExitCode => Exited?.ExitCode;

    /// <summary>
    /// The exception the target threw; <see langword="null"/> if it did not throw. Of the target's own
    /// exception type where that type can be rebuilt here, with a <see cref="RemoteException"/> (remote
    /// type, message and stack) as its <see cref="System.Exception.InnerException"/>; otherwise that
    /// <see cref="RemoteException"/> itself (see its remarks for the rule).
    /// </summary>
    public Exception? Exception
    {
        get
        {
            if (_exception is null && Exited is { Error: { } error } exited)
            {
                _exception = new RemoteException(error, $"Process '{Name}' (pid {exited.Pid})").Rebuild();
            }
            return _exception;
        }
    }

    private ProcessExited? Exited => _exit is { IsCompletedSuccessfully: true } exit ? exit.Result as ProcessExited : null;

    /// <summary>Starts the OS process and returns once it runs (its target starts moments later).</summary>
    /// <param name="cancellationToken">Cancels the wait; a process that started anyway is killed.</param>
    /// <returns>A task that completes when the process has started.</returns>
    /// <exception cref="InvalidOperationException">Already started, or the worker executable could not be run.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"Process '{Name}' was already started: a process can be started only once.");
        }
        var reply = _runtime.Supervisor.Ask<IStartProcessResponse>(new StartProcess(_spec));
        IStartProcessResponse response;
        try
        {
            response = await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = reply.ContinueWith(_ => _runtime.Supervisor.Tell(new KillProcess(Id)), TaskScheduler.Default);
            throw;
        }
        switch (response)
        {
            case ProcessStarted started:
                Pid = started.Pid;
                _exit = _runtime.Supervisor.Ask<IProcessExitResponse>(new JoinProcess(Id));
                break;
            case ProcessStartFailed failed:
                throw new InvalidOperationException(failed.Reason);
        }
    }

    /// <summary>Waits for the process to exit, as Python's <c>join(timeout)</c>.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait, not the process.</param>
    /// <returns><see langword="true"/> if the process has exited; <see langword="false"/> if the timeout came first.</returns>
    /// <exception cref="InvalidOperationException">The process was never started.</exception>
    public async Task<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var exit = RequireStarted("joined");
        try
        {
            await exit.WaitAsync(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ends the process: SIGTERM, then SIGKILL after <see cref="ParallelRuntimeOptions.TerminateGracePeriod"/>.
    /// Completes once it is gone.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait, not the termination.</param>
    /// <returns>A task that completes when the process has exited.</returns>
    /// <exception cref="InvalidOperationException">The process was never started.</exception>
    public async Task TerminateAsync(CancellationToken cancellationToken = default)
    {
        var exit = RequireStarted("terminated");
        await _runtime.Supervisor.Ask<IProcessExitResponse>(new TerminateProcess(Id), cancellationToken).ConfigureAwait(false);
        await exit.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills the process at once (SIGKILL) and returns without waiting; <see cref="JoinAsync"/> waits.</summary>
    /// <exception cref="InvalidOperationException">The process was never started.</exception>
    public void Kill()
    {
        RequireStarted("killed");
        _runtime.Supervisor.Tell(new KillProcess(Id));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"<WorkerProcess name='{Name}' pid={Pid?.ToString() ?? "-"} {(ExitCode is { } code ? $"exitcode={code}" : IsAlive ? "started" : "initial")}>";

    private Task<IProcessExitResponse> RequireStarted(string verb) =>
        _exit ?? throw new InvalidOperationException($"Process '{Name}' must be started before it can be {verb}.");
}
