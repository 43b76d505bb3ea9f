using System.Runtime.InteropServices;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>Sends POSIX signals; .NET itself can only send SIGKILL (<see cref="System.Diagnostics.Process.Kill()"/>).</summary>
internal static partial class Signals
{
    /// <summary>Asks a process to end (SIGTERM). Returns false where signals do not exist or the process is gone.</summary>
    public static bool Terminate(int pid) => !OperatingSystem.IsWindows() && SendSignal(pid, ExitCodes.SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
