using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;

namespace ActorParallel.Host;

/// <summary>
/// Runs a Host node (<see cref="ParallelRuntime.CreateHostNode"/>) until SIGTERM or Ctrl-C, or until
/// the cluster removes it (its driver is gone or has cut it off).
/// </summary>
internal static class HostNode
{
    public static async Task<int> RunAsync(HostNodeOptions options)
    {
        // The node itself never runs user code (it passes encoded calls along), so the --assembly
        // files are loaded by its workers, from their folders, not here.
        var runtime = ParallelRuntime.CreateHostNode(options.Seeds, new ParallelRuntimeOptions
        {
            SystemName = options.SystemName,
            WorkerStart = WorkerStart.Host,
            AssemblyDirectories = [.. options.Assemblies.Select(Path.GetDirectoryName).OfType<string>().Distinct()],
            Hostname = options.Hostname,
            PublicHostname = options.PublicHostname,
            Port = options.Port,
            CertificatePath = options.CertificatePath,
            CertificatePassword = options.CertificatePassword,
        }, options.Roles, options.JoinTimeout, options.Workers);
        var system = runtime.System;
        var cluster = Cluster.Get(system);
        var joined = false;
        var leaving = false;
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
        if (!Volatile.Read(ref leaving))
        {
            Console.Error.WriteLine("ActorParallel.Host: removed from the cluster (its driver is gone or cannot reach it); its workers are stopped.");
            return 3;
        }
        return 0;

        void Leave(PosixSignalContext context)
        {
            context.Cancel = true;
            Volatile.Write(ref leaving, true);
            // Leave the cluster (so the driver sees this node go at once), then stop.
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        }
    }
}
