namespace ActorParallel;

/// <summary>Why a worker process ended: the <see cref="WorkerExitCause.Kind"/> of its exit.</summary>
public enum WorkerExitKind
{
    /// <summary>
    /// It exited by itself with an exit code: 0 when its target returned (or a pool worker retired), 1
    /// when its target threw, 70 when it lost its driver, otherwise the code passed to <see cref="Environment.Exit(int)"/>.
    /// </summary>
    Exited,

    /// <summary>
    /// This driver ended it: <see cref="WorkerProcess.Kill"/>, <see cref="WorkerProcess.TerminateAsync"/>,
    /// a <c>KillProcess</c> or <c>TerminateProcess</c> message, a pool replacing it (a cancelled
    /// chunk past <see cref="PoolOptions.CancellationGracePeriod"/>), or a worker that never
    /// connected back or fell silent. <see cref="WorkerExitCause.Detail"/> says which.
    /// </summary>
    KilledByDriver,

    /// <summary>
    /// A signal this driver did not send ended it, and nothing else explains its death (a SIGKILL from
    /// another process, a SIGSEGV in native code, ...): see <see cref="WorkerExitCause.Signal"/> and
    /// <see cref="WorkerExitCause.SignalName"/>.
    /// </summary>
    Signal,

    /// <summary>
    /// The kernel's OOM killer ended it: it died of a SIGKILL this driver did not send while the
    /// OOM-kill counter of its memory cgroup rose (<see cref="WorkerExitCause.Detail"/> names the counter).
    /// </summary>
    OutOfMemory,

    /// <summary>
    /// Its stack overflowed, which .NET cannot catch: the runtime printed <c>Stack overflow.</c> and a
    /// trace on the worker's stderr and aborted the process (SIGABRT).
    /// </summary>
    StackOverflow,

    /// <summary>
    /// <see cref="Environment.FailFast(string)"/> ended it (or the runtime did the same for a fatal error
    /// of its own): the runtime printed <c>Process terminated.</c> and the message, which
    /// <see cref="WorkerExitCause.Detail"/> holds, and aborted the process (SIGABRT).
    /// </summary>
    FailFast,

    /// <summary>
    /// An exception escaped a thread the worker's code started (outside the target or pool function,
    /// whose own exceptions are reported as errors): the runtime printed <c>Unhandled exception.</c>
    /// and aborted the process (SIGABRT). <see cref="WorkerExitCause.Detail"/> holds the exception's line.
    /// </summary>
    UnhandledException,
}
