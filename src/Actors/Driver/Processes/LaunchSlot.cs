namespace ActorParallel.Driver;

/// <summary>Between the supervisor and its process actors: the right to launch an OS process now.</summary>
internal static class LaunchSlot
{
    /// <summary>Supervisor → process actor: launch.</summary>
    public sealed class Granted
    {
        public static readonly Granted Instance = new();
    }

    /// <summary>Process actor → supervisor: my worker connected back (or exited); the slot is free.</summary>
    public sealed class Release
    {
        public static readonly Release Instance = new();
    }
}
