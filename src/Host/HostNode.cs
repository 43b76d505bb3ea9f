using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorParallel.Host;

/// <summary>
/// Runs a Host node: an ActorSystem (cluster provider, ActorParallel's configuration) that joins the
/// driver's cluster through the seeds, with the role <c>actorparallel-host</c>, until SIGTERM or Ctrl-C.
/// </summary>
internal static class HostNode
{
    public static async Task<int> RunAsync(HostNodeOptions options)
    {
        LoadAssemblies(options.Assemblies);
        var system = ActorSystem.Create(options.SystemName, Configuration(options).WithFallback(ParallelRuntime.AkkaConfiguration));
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() =>
            Console.WriteLine($"ActorParallel.Host up at {cluster.SelfAddress} with roles [{string.Join(", ", cluster.SelfRoles.Order())}]"));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        await system.WhenTerminated.ConfigureAwait(false);
        return 0;

        void Leave(PosixSignalContext context)
        {
            context.Cancel = true;
            // Leave the cluster (so the driver sees this node go at once), then stop.
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        }
    }

    /// <summary>Binding, seeds and roles from the command line, over ActorParallel's defaults.</summary>
    private static Config Configuration(HostNodeOptions options)
    {
        static string Quote(string value) => JsonSerializer.Serialize(value);
        var roles = options.Roles.Prepend(ParallelRuntime.HostNodeRole).Distinct().Select(Quote);
        var lines = new List<string>
        {
            $"akka.remote.dot-netty.tcp.hostname = {Quote(options.Hostname)}",
            $"akka.remote.dot-netty.tcp.port = {options.Port}",
            $"akka.cluster.seed-nodes = [{string.Join(", ", options.Seeds.Select(Quote))}]",
            $"akka.cluster.roles = [{string.Join(", ", roles)}]",
            "akka.coordinated-shutdown.exit-clr = off",
        };
        if (options.PublicHostname is { } publicHostname)
        {
            lines.Add($"akka.remote.dot-netty.tcp.public-hostname = {Quote(publicHostname)}");
        }
        return ConfigurationFactory.ParseString(string.Join(Environment.NewLine, lines));
    }

    private static void LoadAssemblies(IReadOnlyList<string> paths)
    {
        var directories = paths.Select(Path.GetDirectoryName).OfType<string>().Distinct().ToList();
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            directories.Select(directory => Path.Combine(directory, name.Name + ".dll")).Where(File.Exists).Select(context.LoadFromAssemblyPath).FirstOrDefault();
        foreach (var path in paths)
        {
            Assembly.LoadFrom(path);
        }
    }
}
