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
    /// <summary>Exit code: left the cluster on SIGTERM or Ctrl-C (or did what was asked and stopped).</summary>
    public const int Left = 0;

    /// <summary>Exit code: the cluster could not be joined within the join timeout.</summary>
    public const int CouldNotJoin = 1;

    /// <summary>Exit code: the command line is wrong.</summary>
    public const int BadCommandLine = 2;

    /// <summary>Exit code: removed from the cluster (its driver is gone or cut it off).</summary>
    public const int Removed = 3;

    public static async Task<int> RunAsync(HostNodeOptions options)
    {
        // The node itself never runs user code (it passes encoded calls along), so the --assembly
        // files are loaded by its workers, from their folders, not here.
        ParallelRuntime runtime;
        try
        {
            runtime = ParallelRuntime.CreateHostNode(options.Seeds, new ParallelRuntimeOptions
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
        }
        catch (ArgumentException refused)
        {
            // The library validates the options before it starts anything; its error names the option, ours the flag.
            await Console.Error.WriteLineAsync($"ActorParallel.Host: {options.Refusal(refused)}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Run ActorParallel.Host --help for the options.").ConfigureAwait(false);
            return BadCommandLine;
        }
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
            return CouldNotJoin;
        }
        if (!Volatile.Read(ref leaving))
        {
            Console.Error.WriteLine("ActorParallel.Host: removed from the cluster (its driver is gone or cannot reach it); its workers are stopped.");
            return Removed;
        }
        return Left;

        void Leave(PosixSignalContext context)
        {
            context.Cancel = true;
            Volatile.Write(ref leaving, true);
            // Leave the cluster (so the driver sees this node go at once), then stop.
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        }
    }
}
