using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ActorParallel.Configuration;
using ActorParallel.Protocol;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// The worker side of a worker process: watches the driver through the stdin pipe and reads from it
/// how to reach its driver-side actor. A local pool's worker serves over a <see cref="DirectLink"/>;
/// any other starts an ActorSystem (on loopback unless its node binds beyond it), says hello to its
/// driver-side actor and waits for the driver to deploy a <see cref="WorkerActor"/> and, later, to end it.
/// </summary>
internal static class WorkerNode
{
    private static int s_exitCode = ExitCodes.Success;

    /// <summary>Runs the worker until the driver ends it; returns the process exit code.</summary>
    public static int Run(WorkerEnvironment environment)
    {
        // What this process logs goes to its driver, which reads its stderr.
        ProcessLogs.EnterWorker(environment.LogLevel);
        var firstLine = WatchParentThroughStdin();
        LoadAssembliesFrom(environment.ProbeDirectories);
        if (environment.Spare || !firstLine.IsCompleted)
        {
            // Launched ahead of need: a spare warms up (its link may be offered meanwhile, and made
            // next: it then waits for its target there); the driver learns that this process is up and waits.
            if (environment.Spare)
            {
                SpareWarmUp.Run(report: environment.LogLevel <= (int)Microsoft.Extensions.Logging.LogLevel.Debug);
            }
            Console.Error.WriteLine(WorkerLogLine.WaitingLine);
            Console.Error.Flush();
        }
        // The driver-side actor that adopts this process says, on the first line, how to reach it.
        // A worker launched ahead of need waits here until one does (a spare's line carries no name:
        // its target's brings it).
        var (parentPath, name) = SplitFirstLine(firstLine.GetAwaiter().GetResult());
        CurrentProcess.EnterWorker(name ?? $"worker-{Environment.ProcessId}");
        if (DirectLink.Parse(parentPath) is { } link)
        {
            return DirectWorker.Run(link);
        }

        // Its Akka messages go to the driver too, from the driver's level up.
        var system = environment.Transport.CreateSystem(environment.SystemName, AkkaConfig.Worker, ProcessLogs.Default);
        // Shared objects decoded here talk to their driver through this system.
        Workers.SharedStateNode.UseForThisProcess(system);
        // Terminated from outside: say goodbye over remoting (so the driver logs no failure), but briefly.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            RequestExit(system, 128 + ExitCodes.SigTerm, Timeouts.WorkerExitAfterSigterm);
        });
        var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        system.ActorSelection(parentPath).Tell(new WorkerHello(address.ToString(), Environment.ProcessId));
        system.WhenTerminated.Wait();
        return Volatile.Read(ref s_exitCode);
    }

    /// <summary>
    /// The first line the driver writes on a worker's stdin: how to reach the driver, then (after a
    /// tab, in base64, so that no name can break the line) the name the worker goes by
    /// (<see cref="CurrentProcess.Name"/>).
    /// </summary>
    public static string FirstLine(string parent, string name) =>
        $"{parent}\t{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(name))}";

    private static (string Parent, string? Name) SplitFirstLine(string line)
    {
        var tab = line.LastIndexOf('\t');
        if (tab < 0)
        {
            return (line, null);
        }
        try
        {
            return (line[..tab], System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(line[(tab + 1)..])));
        }
        catch (FormatException)
        {
            return (line[..tab], null);
        }
    }

    /// <summary>
    /// Ends the worker's ActorSystem, so that remoting says goodbye to the driver; <see cref="Run"/>
    /// then returns <paramref name="exitCode"/>. The outcome is already recorded by the driver: if
    /// remoting lingers on a dead connection, the process exits anyway.
    /// </summary>
    public static void RequestExit(ActorSystem system, int exitCode, TimeSpan? bound = null)
    {
        Volatile.Write(ref s_exitCode, exitCode);
        // Transport warnings while the connection closes are expected; keep the user's console clean.
        system.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);
        _ = Task.Delay(bound ?? Timeouts.WorkerExitGrace).ContinueWith(_ => ExitNow(exitCode), TaskScheduler.Default);
        system.Terminate();
    }

    /// <summary>
    /// Reads the stdin pipe that only the driver holds: its first line is the path of the driver-side
    /// actor that adopted this process; after that, end-of-file means the driver is gone (even if it
    /// was SIGKILLed), and the worker exits.
    /// </summary>
    private static Task<string> WatchParentThroughStdin()
    {
        var parentPath = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var stdin = new StreamReader(Console.OpenStandardInput());
                if (stdin.ReadLine() is { Length: > 0 } path)
                {
                    parentPath.TrySetResult(path);
                    var buffer = new char[64];
                    while (stdin.Read(buffer, 0, buffer.Length) > 0)
                    {
                    }
                }
            }
            catch (IOException)
            {
            }
            ExitNow(ExitCodes.Orphaned);
        })
        {
            IsBackground = true,
            Name = "actorparallel-parent-watch",
        };
        thread.Start();
        return parentPath.Task;
    }

    private static void ExitNow(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(exitCode);
    }

    private static void LoadAssembliesFrom(IReadOnlyList<string> directories)
    {
        if (directories.Count == 0)
        {
            return;
        }
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var directory in directories)
            {
                var candidate = Path.Combine(directory, name.Name + ".dll");
                if (File.Exists(candidate))
                {
                    return context.LoadFromAssemblyPath(candidate);
                }
            }
            return null;
        };
    }
}
