using Akka.Configuration;

namespace ActorParallel.Configuration;

/// <summary>The HOCON that ActorParallel's ActorSystems run with, read from the embedded <c>hocon/*.conf</c>.</summary>
internal static class AkkaConfig
{
    private static readonly Lazy<Config> DriverConfig = new(() => Load("actorparallel.conf"));
    private static readonly Lazy<Config> WorkerConfig = new(() => Load("actorparallel-worker.conf").WithFallback(DriverConfig.Value));
    private static readonly Lazy<Config> NodeConfig = new(() => Load("actorparallel-node.conf").WithFallback(DriverConfig.Value));

    /// <summary>The driver's configuration.</summary>
    public static Config Driver => DriverConfig.Value;

    /// <summary>A worker process's configuration.</summary>
    public static Config Worker => WorkerConfig.Value;

    /// <summary>An ActorParallel.Host worker node's configuration (binding, seeds and roles come from its command line).</summary>
    public static Config Node => NodeConfig.Value;

    private static Config Load(string file) =>
        ConfigurationFactory.FromResource($"ActorParallel.hocon.{file}", typeof(AkkaConfig).Assembly);
}
