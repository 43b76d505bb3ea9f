using System.Net.Sockets;

namespace ActorParallel.Driver;

/// <summary>The messages a process actor sends itself: its link up or failed, its OS process gone, and its timers.</summary>
internal sealed partial class WorkerProcessActor
{
    private sealed record DirectLinkUp(Socket Socket);

    private sealed record DirectLinkFailed(Exception? Cause);

    private sealed class OsExited
    {
        public static readonly OsExited Instance = new();
    }

    private sealed class HelloTimeout
    {
        public static readonly HelloTimeout Instance = new();
    }

    private sealed class ForceKill
    {
        public static readonly ForceKill Instance = new();
    }

    private sealed class StderrDrained
    {
        public static readonly StderrDrained Instance = new();
    }
}
