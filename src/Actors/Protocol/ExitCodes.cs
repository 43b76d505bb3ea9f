namespace ActorParallel.Protocol;

/// <summary>Exit codes of worker processes, in Python's convention.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int TargetFailed = 1;
    public const int SigAbrt = 6;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>A worker that lost its driver exits with this code; nobody is left to read it.</summary>
    public const int Orphaned = 70;

    private static readonly string[] LinuxSignalNames =
    [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
        "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>
    /// Maps the OS exit status to Python's: a process ended by signal N reports -N. .NET reports a
    /// signal death as 128 + N, and a worker ending itself on SIGTERM exits with 128 + 15 too.
    /// </summary>
    public static int FromOs(int status) => status is > 128 and < 128 + 65 ? -(status - 128) : status;

    /// <summary>The name of signal <paramref name="signal"/> (Linux numbering), e.g. <c>SIGKILL</c>; real-time and unknown ones as <c>SIGRTMIN+n</c> or <c>signal n</c>.</summary>
    public static string SignalName(int signal) => signal switch
    {
        >= 1 and <= 31 when OperatingSystem.IsLinux() => LinuxSignalNames[signal - 1],
        SigAbrt => "SIGABRT",
        SigKill => "SIGKILL",
        SigTerm => "SIGTERM",
        >= 34 and <= 64 when OperatingSystem.IsLinux() => $"SIGRTMIN+{signal - 34}",
        _ => $"signal {signal}",
    };
}
