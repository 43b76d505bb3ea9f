namespace ActorParallel.Protocol;

/// <summary>Exit codes of worker processes, in Python's convention.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int TargetFailed = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>A worker that lost its driver exits with this code; nobody is left to read it.</summary>
    public const int Orphaned = 70;

    /// <summary>
    /// Maps the OS exit status to Python's: a process ended by signal N reports -N. .NET reports a
    /// signal death as 128 + N, and a worker ending itself on SIGTERM exits with 128 + 15 too.
    /// </summary>
    public static int FromOs(int status) => status is > 128 and < 128 + 65 ? -(status - 128) : status;
}
