using System.Runtime.InteropServices;
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
        var system = ActorSystem.Create(options.SystemName, Configuration(options).WithFallback(ParallelRuntime.HostNodeConfiguration));
        // Drivers in the cluster start worker processes on this machine through this supervisor. The
        // node itself never runs user code (it passes encoded calls along), so the --assembly files are
        // loaded by its workers, from their folders, not here.
        ParallelRuntime.AttachHostNode(system, new ParallelRuntimeOptions
        {
            WorkerStart = WorkerStart.Host,
            AssemblyDirectories = [.. options.Assemblies.Select(Path.GetDirectoryName).OfType<string>().Distinct()],
        });
        var cluster = Cluster.Get(system);
        var joined = false;
        cluster.RegisterOnMemberUp(() =>
        {
            joined = true;
            Console.WriteLine($"ActorParallel.Host up at {cluster.SelfAddress} with roles [{string.Join(", ", cluster.SelfRoles.Order())}]");
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Leave);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Leave);
        await system.WhenTerminated.ConfigureAwait(false);
        if (!joined)
        {
            Console.Error.WriteLine($"ActorParallel.Host: could not join the cluster through {string.Join(", ", options.Seeds)}.");
            return 1;
        }
        return 0;

        void Leave(PosixSignalContext context)
        {
            context.Cancel = true;
            // Leave the cluster (so the driver sees this node go at once), then stop.
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        }
    }

    /// <summary>Binding, seeds and roles from the command line, as typed values (no HOCON text is built).</summary>
    private static Config Configuration(HostNodeOptions options)
    {
        var tcp = new Dictionary<string, object> { ["hostname"] = options.Hostname, ["port"] = options.Port };
        if (options.PublicHostname is { } publicHostname)
        {
            tcp["public-hostname"] = publicHostname;
        }
        return ConfigurationFactory.FromObject(new Dictionary<string, object>
        {
            ["akka"] = new Dictionary<string, object>
            {
                ["remote"] = new Dictionary<string, object> { ["dot-netty"] = new Dictionary<string, object> { ["tcp"] = tcp } },
                ["cluster"] = new Dictionary<string, object>
                {
                    ["seed-nodes"] = options.Seeds.ToArray(),
                    ["roles"] = options.Roles.Prepend(ParallelRuntime.HostNodeRole).Distinct().ToArray(),
                    ["shutdown-after-unsuccessful-join-seed-nodes"] = $"{options.JoinTimeout.TotalSeconds}s",
                },
            },
        });
    }
}
