using System.Diagnostics;
using ActorParallel.Driver;
using Akka.Actor;

using ActorParallel.Protocol;

namespace ActorParallel;

/// <summary>
/// A worker OS process that runs one target, as Python's <c>multiprocessing.Process</c>: create it
/// with a target and arguments, <see cref="StartAsync"/>, <see cref="JoinAsync"/>,
/// <see cref="TerminateAsync"/> or <see cref="Kill"/>, then <see cref="Close"/> (or dispose) it. Each
/// call is a message to the runtime's supervisor actor (<see cref="StartProcess"/>, <see cref="JoinProcess"/>, ...).
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ParallelRuntime _runtime;
    private ProcessSpec _spec;
    private int _started;
    private int _closed;
    private Task<IProcessExitResponse>? _exit;
    // A start on its way: completed once the supervisor has been asked, and with the exit to wait for (or why there is none) once it answers.
    private readonly TaskCompletionSource _startAsked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Task<IProcessExitResponse>> _startOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _exception;

    /// <summary>Creates a process on <see cref="ParallelRuntime.Default"/>.</summary>
    /// <param name="target">A static method, lambda, or closure over shippable values.</param>
    /// <param name="args">The target's arguments.</param>
    /// <exception cref="NotShippableException">The target or an argument cannot travel to another process.</exception>
    /// <exception cref="ArgumentException">The arguments do not match the target's parameters.</exception>
    public WorkerProcess(Delegate target, params object?[] args)
        : this(ParallelRuntime.GetDefault(prestart: 1, clusterNow: false), target, args)
    {
        // The first process of a program creates the default runtime: its worker is launched first, so that
        // the worker's runtime starts while the driver's does (it waits for its Start to adopt it).
    }

    internal WorkerProcess(ParallelRuntime runtime, Delegate target, object?[] args)
    {
        _runtime = runtime;
        _spec = ProcessSpec.Create(target, args);
    }

    /// <summary>
    /// The process this code runs in, as Python's <c>multiprocessing.current_process()</c>: its
    /// <see cref="CurrentProcess.Name"/> (<c>MainProcess</c> in your program; in a process target this
    /// process's <see cref="Name"/>; in a pool function its pool worker's name), <see cref="CurrentProcess.Pid"/>
    /// and <see cref="CurrentProcess.IsWorker"/>.
    /// </summary>
    public static CurrentProcess Current => CurrentProcess.Get();

    /// <summary>
    /// The processes started on <see cref="ParallelRuntime.Default"/> that are still running, as Python's
    /// <c>multiprocessing.active_children()</c> (see <see cref="ParallelRuntime.ActiveChildren"/>; pool
    /// workers are not listed). Starts nothing: empty when the default runtime was never used.
    /// </summary>
    /// <returns>A snapshot, in the order the processes were started.</returns>
    public static IReadOnlyList<WorkerProcess> ActiveChildren() => ParallelRuntime.DefaultIfCreated?.ActiveChildren() ?? [];

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

    /// <summary>
    /// Python's <c>daemon</c> flag, <see langword="false"/> by default. When your program ends (its
    /// <c>Main</c> returns, or <see cref="Environment.Exit"/>), the processes of
    /// <see cref="ParallelRuntime.Default"/> that still run are waited for, as Python joins its
    /// non-daemonic children at exit (a process that never ends keeps your program from ending, as in
    /// Python); daemon processes are terminated first, as Python's are. Ctrl-C and SIGTERM end the program at once, and
    /// all its processes with it. Processes of a runtime you create end when you dispose it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the process was started.</exception>
    public bool Daemon
    {
        get => _daemon;
        set
        {
            if (Volatile.Read(ref _started) != 0)
            {
                throw new InvalidOperationException($"Process '{_spec.Name}' is already started; whether it is a daemon can no longer change.");
            }
            _daemon = value;
        }
    }

    private bool _daemon;

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

    /// <summary>
    /// Why the process ended, once it has (<see langword="null"/> while it runs or before it starts):
    /// <see cref="WorkerExitCause.Kind"/> says whether it exited by itself, was ended by this driver
    /// (<see cref="Kill"/>, <see cref="TerminateAsync"/>), by a signal from elsewhere, by the kernel's OOM
    /// killer, by a stack overflow, <see cref="Environment.FailFast(string)"/> or an unhandled exception
    /// on a thread of its own, with the last lines of its stderr. Python's <c>Process</c> has only
    /// <c>exitcode</c> (<see cref="ExitCode"/> here); <see cref="Exception"/> stays the target's own exception.
    /// </summary>
    public WorkerExitCause? ExitCause => Exited?.Cause;

    private ProcessExited? Exited => _exit is { IsCompletedSuccessfully: true } exit ? exit.Result as ProcessExited : null;

    /// <summary>Starts the OS process and returns once it runs (its target starts moments later).</summary>
    /// <param name="cancellationToken">Cancels the wait; a process that started anyway is killed.</param>
    /// <returns>A task that completes when the process has started.</returns>
    /// <exception cref="InvalidOperationException">Already started, or the worker executable could not be run.</exception>
    /// <exception cref="ObjectDisposedException">The process object was closed (<see cref="Close"/>), or its runtime is disposed (before or while it starts).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();
        _runtime.ThrowIfDisposed();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"Process '{Name}' was already started: a process can be started only once.");
        }
        using var span = Instruments.Source.StartActivity(Instruments.ProcessStartSpan);
        span?.SetTag("actorparallel.process.name", Name);
        _runtime.StartPending(this, _startOutcome.Task);
        try
        {
            Task<IStartProcessResponse> reply;
            try
            {
                reply = _runtime.Supervisor.Ask<IStartProcessResponse>(new StartProcess(_spec));
            }
            finally
            {
                // A terminate or kill waiting for the ask goes out after it (or, if it failed, finds nothing to end).
                _startAsked.TrySetResult();
            }
            await AwaitStartAsync(reply, span, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            _startOutcome.TrySetException(failure is OperationCanceledException
                ? new InvalidOperationException($"The start of process '{Name}' was cancelled; the process was killed.", failure)
                : failure);
            // Observed here: a join that never comes must not leave an unobserved exception behind.
            _ = _startOutcome.Task.Exception;
            throw;
        }
    }

    private async Task AwaitStartAsync(Task<IStartProcessResponse> reply, Activity? span, CancellationToken cancellationToken)
    {
        IStartProcessResponse response;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _runtime.Disposing);
        try
        {
            response = await reply.WaitAsync(waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The runtime was disposed while this start waited: its supervisor answers no more.
            _runtime.ThrowIfDisposed();
            throw;
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
                span?.SetTag("process.pid", Pid);
                _runtime.AddChild(this);
                var exit = _runtime.Supervisor.Ask<IProcessExitResponse>(new JoinProcess(Id));
                _exit = exit;
                _startOutcome.SetResult(exit);
                _ = exit.ContinueWith(_ => _runtime.RemoveChild(this), TaskScheduler.Default);
                break;
            case ProcessStartFailed failed:
                span?.SetStatus(ActivityStatusCode.Error, failed.Reason);
                throw new InvalidOperationException(failed.Reason);
        }
    }

    /// <summary>Waits for the process to exit, as Python's <c>join(timeout)</c>.</summary>
    /// <param name="timeout">
    /// How long to wait; <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it
    /// takes. Zero or any other negative value only looks (CPython's <c>join</c> treats a negative timeout
    /// as 0, through <c>multiprocessing.connection.wait</c>); one of <see cref="int.MaxValue"/> milliseconds
    /// (~24.8 days) or more waits as long as it takes.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait, not the process.</param>
    /// <returns><see langword="true"/> if the process has exited; <see langword="false"/> if the timeout came first.</returns>
    /// <exception cref="InvalidOperationException">The process was never started, or its start failed (a join during a start waits for it, then for the exit).</exception>
    /// <exception cref="ObjectDisposedException">The process object was closed (<see cref="Close"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        RequireStarted("joined");
        // During a start: its outcome, then the exit (a start that fails fails the join with its reason).
        var exit = _exit ?? _startOutcome.Task.Unwrap();
        using var span = Instruments.Source.StartActivity(Instruments.ProcessJoinSpan);
        span?.SetTag("actorparallel.process.name", Name);
        span?.SetTag("process.pid", Pid);
        try
        {
            await exit.WaitAsync(WaitBound(timeout), cancellationToken).ConfigureAwait(false);
            span?.SetTag("process.exit.code", ExitCode);
            return true;
        }
        catch (TimeoutException)
        {
            span?.SetTag("actorparallel.join.timed_out", true);
            return false;
        }
    }

    /// <summary>
    /// Ends the process: SIGTERM, then SIGKILL after <see cref="ParallelRuntimeOptions.TerminateGracePeriod"/>.
    /// Completes once it is gone.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait, not the termination.</param>
    /// <returns>A task that completes when the process has exited.</returns>
    /// <exception cref="InvalidOperationException">The process was never started. (During a start it is ended where it is: before its launch, or as it runs.)</exception>
    /// <exception cref="ObjectDisposedException">The process object was closed (<see cref="Close"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task TerminateAsync(CancellationToken cancellationToken = default)
    {
        RequireStarted("terminated");
        // A start still on its way is ended where it is (before its launch, or as a running process); the answer comes at its exit.
        await _startAsked.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _runtime.Supervisor.Ask<IProcessExitResponse>(new TerminateProcess(Id), cancellationToken).ConfigureAwait(false);
        if (_exit is { } exit)
        {
            await exit.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the process at once (SIGKILL) and returns without waiting; <see cref="JoinAsync"/> waits.</summary>
    /// <exception cref="InvalidOperationException">The process was never started. (During a start it is killed where it is: before its launch, or as it runs.)</exception>
    /// <exception cref="ObjectDisposedException">The process object was closed (<see cref="Close"/>).</exception>
    public void Kill()
    {
        RequireStarted("killed");
        var supervisor = _runtime.Supervisor;
        var kill = new KillProcess(Id);
        _startAsked.Task.ContinueWith(_ => supervisor.Tell(kill), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// Releases this process object, as Python 3.7's <c>Process.close()</c>: it leaves
    /// <see cref="ActiveChildren"/>, and <see cref="StartAsync"/>, <see cref="JoinAsync"/>,
    /// <see cref="TerminateAsync"/> and <see cref="Kill"/> throw <see cref="ObjectDisposedException"/>
    /// from now on (Python raises <c>ValueError</c>). <see cref="Name"/>, <see cref="Pid"/>,
    /// <see cref="ExitCode"/> and <see cref="Exception"/> keep their values. A process never started
    /// can be closed; closing twice does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The process is still running (Python: <c>ValueError: Cannot close a process while it is still
    /// running</c>): join, terminate or kill it first, or dispose it, which terminates it.
    /// </exception>
    public void Close()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }
        // Running, or its start still on its way; a start that failed or was cancelled left nothing running.
        if (Volatile.Read(ref _started) != 0 && _exit is not { IsCompleted: true } && !_startOutcome.Task.IsFaulted)
        {
            throw new InvalidOperationException($"Cannot close process '{Name}' while it is still running: join, terminate or kill it first (or dispose it, which terminates it).");
        }
        Volatile.Write(ref _closed, 1);
        _runtime.RemoveChild(this);
    }

    /// <summary>
    /// Terminates the process if it still runs (as <see cref="TerminateAsync"/>: SIGTERM, then SIGKILL
    /// after <see cref="ParallelRuntimeOptions.TerminateGracePeriod"/>), then <see cref="Close"/>s it.
    /// Unlike <see cref="Close"/> it never refuses a running process, so <c>await using</c> ends what it started.
    /// </summary>
    /// <returns>A task that completes when the process is gone and closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }
        if (Volatile.Read(ref _started) != 0)
        {
            if (_exit is null)
            {
                // A start still on its way (StartAsync not yet returned): it is killed where it is (before its
                // launch, or as it runs), and its outcome, then its exit, waited for.
                Kill();
                try
                {
                    await _startOutcome.Task.ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
                {
                    // Never launched, or its start failed: nothing runs.
                }
            }
            if (_exit is { IsCompleted: false } exit)
            {
                await TerminateAsync().ConfigureAwait(false);
                await exit.ConfigureAwait(false);
            }
        }
        Volatile.Write(ref _closed, 1);
        _runtime.RemoveChild(this);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"<WorkerProcess name='{Name}' pid={Pid?.ToString() ?? "-"} {(ExitCode is { } code ? $"exitcode={code}" : IsAlive ? "started" : "initial")}{(Volatile.Read(ref _closed) != 0 ? " closed" : string.Empty)}>";

    /// <summary>
    /// CPython's <c>join</c> treats a negative timeout as 0, but .NET's <see cref="Timeout.InfiniteTimeSpan"/>
    /// waits, as every other wait here does; <see cref="Task.WaitAsync(TimeSpan)"/> takes at most
    /// <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    private static TimeSpan WaitBound(TimeSpan? timeout) => timeout switch
    {
        null => Timeout.InfiniteTimeSpan,
        { } t when t == Timeout.InfiniteTimeSpan => Timeout.InfiniteTimeSpan,
        { } t when t <= TimeSpan.Zero => TimeSpan.Zero,
        { } t when t.TotalMilliseconds >= int.MaxValue => Timeout.InfiniteTimeSpan,
        { } t => t,
    };

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new ObjectDisposedException(nameof(WorkerProcess), $"Process '{Name}' was closed (Close or DisposeAsync): it cannot be started, joined, terminated or killed any more.");
        }
    }

    private void RequireStarted(string verb)
    {
        ThrowIfClosed();
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException($"Process '{Name}' must be started before it can be {verb}.");
        }
    }
}
