using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// Decides why a worker process ended from what its OS parent knows: the exit status, the worker's
/// stderr (the .NET runtime's crash reports), whether this driver ended it and why, and whether the
/// kernel's OOM-kill counter rose meanwhile.
/// </summary>
internal static class ExitDiagnosis
{
    /// <param name="exitCode">The exit code in Python's convention (-N: signal N).</param>
    /// <param name="endedByDriver">Why this driver killed or terminated the process, or <see langword="null"/> if it did not.</param>
    /// <param name="stderr">What the worker wrote to its stderr.</param>
    /// <param name="oomKills">How the OOM-kill counter of the worker's cgroup rose while it ran, or <see langword="null"/> if it did not.</param>
    public static WorkerExitCause Diagnose(int exitCode, string? endedByDriver, StderrReport stderr, string? oomKills)
    {
        var signal = exitCode < 0 ? -exitCode : 0;
        var signalText = signal > 0 ? $"{ExitCodes.SignalName(signal)} (signal {signal})" : string.Empty;
        var cause = (signal, stderr.Crash) switch
        {
            // The runtime aborts after its report; a kill of ours that came after the report is not the cause.
            ( > 0, { } crash) when endedByDriver is null || signal == ExitCodes.SigAbrt => Crashed(exitCode, crash),
            ( > 0, _) when endedByDriver is not null => new WorkerExitCause(WorkerExitKind.KilledByDriver, exitCode,
                $"{(signal == ExitCodes.SigTerm ? "terminated" : "killed")} by this driver with {signalText}: {endedByDriver}") { Detail = endedByDriver },
            (ExitCodes.SigKill, _) when oomKills is not null => new WorkerExitCause(WorkerExitKind.OutOfMemory, exitCode,
                $"out of memory: killed by the kernel's OOM killer ({signalText}; {oomKills})") { Detail = oomKills },
            ( > 0, _) => new WorkerExitCause(WorkerExitKind.Signal, exitCode, $"killed by {signalText}, which this driver did not send"),
            _ => new WorkerExitCause(WorkerExitKind.Exited, exitCode, $"exited with code {exitCode}{Meaning(exitCode)}"),
        };
        return cause with { StderrTail = stderr.Tail };
    }

    private static WorkerExitCause Crashed(int exitCode, RuntimeCrash crash) => crash.Kind switch
    {
        WorkerExitKind.StackOverflow => new(crash.Kind, exitCode, crash.Detail is null ? "stack overflow" : $"stack overflow ({crash.Detail})") { Detail = crash.Detail },
        WorkerExitKind.FailFast => new(crash.Kind, exitCode, crash.Detail is null ? "Environment.FailFast" : $"Environment.FailFast: {crash.Detail}") { Detail = crash.Detail },
        _ => new(crash.Kind, exitCode, crash.Detail is null ? "unhandled exception" : $"unhandled exception: {crash.Detail}") { Detail = crash.Detail },
    };

    private static string Meaning(int exitCode) => exitCode switch
    {
        // What the worker itself means by the code; user code calling Environment.Exit may mean otherwise.
        ExitCodes.Success => " (a worker's code when its target returned or it was told to exit, or Environment.Exit(0))",
        ExitCodes.TargetFailed => " (a worker's code when its target threw, or Environment.Exit(1))",
        ExitCodes.Orphaned => " (a worker's code when it lost its driver, or Environment.Exit(70))",
        _ => string.Empty,
    };
}
