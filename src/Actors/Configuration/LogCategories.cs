namespace ActorParallel.Configuration;

/// <summary>
/// The <see cref="Microsoft.Extensions.Logging.ILogger"/> categories ActorParallel logs under. Akka's own
/// messages keep the class that logged them as their category (<c>Akka.Remote.EndpointWriter</c>, ...).
/// </summary>
internal static class LogCategories
{
    /// <summary>The prefix of every category of the library's own: filter on it to see or hide them all.</summary>
    public const string Root = "ActorParallel";

    /// <summary>Pools: a worker that died or was recycled, a stuck worker killed, a broken pool.</summary>
    public const string Pool = Root + ".Pool";

    /// <summary>The process supervisor and the links to worker processes.</summary>
    public const string Processes = Root + ".Processes";

    /// <summary>Host nodes and the cluster's connections (a peer refused for its certificate).</summary>
    public const string Nodes = Root + ".Nodes";

    /// <summary>Messages larger than a frame, sent in segments.</summary>
    public const string Wire = Root + ".Wire";

    /// <summary>What a worker process logs about itself (forwarded to its driver's logger).</summary>
    public const string Worker = Root + ".Worker";

    /// <summary>The category Akka's messages fall under when the class that logged them is unknown.</summary>
    public const string Akka = "Akka";
}
