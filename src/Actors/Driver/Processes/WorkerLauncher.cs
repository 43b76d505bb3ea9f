using System.Diagnostics;
using System.Reflection;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>Chooses the worker executable and starts worker OS processes.</summary>
internal static class WorkerLauncher
{
    private const string HostName = "ActorParallel.Host";

    /// <summary>
    /// Starts a worker. Its stdout is this process's (as with Python children); its stderr is a pipe
    /// this process reads and passes on to its own stderr line by line, keeping the last lines to tell
    /// why the worker died (<see cref="WorkerStderr"/>); its stdin is a pipe that only this process
    /// writes to: the adopting actor writes its path there, and the worker sees end-of-file the moment
    /// this process dies, however it dies.
    /// </summary>
    /// <param name="systemName">The driver's ActorSystem name.</param>
    /// <param name="options">The runtime's options.</param>
    /// <param name="spare">A spare process (<see cref="ParallelRuntimeOptions.SpareProcesses"/>), which warms up while it waits.</param>
    public static LaunchedWorker Start(string systemName, ParallelRuntimeOptions options, bool spare = false)
    {
        var environment = new WorkerEnvironment(systemName, [AppContext.BaseDirectory, .. options.AssemblyDirectories], options.Transport.ForWorkers(),
            (int)Configuration.ProcessLogs.LowestEnabled(options.Logs, Configuration.LogCategories.Worker), spare);
        var (fileName, arguments) = ResolveCommand(options);
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        environment.ApplyTo(startInfo);
        return new LaunchedWorker(Process.Start(startInfo) ?? throw new InvalidOperationException($"The OS did not start '{fileName}'."), options.Logs) { IsSpare = spare };
    }

    /// <summary>The executable and leading arguments of a worker process, per <see cref="ParallelRuntimeOptions.WorkerStart"/>.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) ResolveCommand(ParallelRuntimeOptions options)
    {
        var mode = options.WorkerStart;
        if (mode == WorkerStart.Auto)
        {
            mode = Worker.OptedIn && options.WorkerHostPath is null ? WorkerStart.Self : WorkerStart.Host;
        }
        return mode == WorkerStart.Self ? SelfCommand() : HostCommand(options.WorkerHostPath);
    }

    private static (string, IReadOnlyList<string>) SelfCommand()
    {
        if (!Worker.OptedIn)
        {
            throw new InvalidOperationException(
                "WorkerStart.Self re-enters this program as a worker, but its Main did not call Worker.EnterIfWorker() first.");
        }
        var processPath = Environment.ProcessPath
            ?? throw new InvalidOperationException("The path of this program's executable is unknown; set WorkerStart.Host.");
        if (IsDotnetMuxer(processPath))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                throw new InvalidOperationException("This program runs under 'dotnet' but its entry assembly has no file; set WorkerStart.Host.");
            }
            return (processPath, [entry]);
        }
        return (processPath, []);
    }

    private static (string, IReadOnlyList<string>) HostCommand(string? configuredPath)
    {
        var path = configuredPath ?? FindHostBesideApplication()
            ?? throw new InvalidOperationException(
                $"No worker executable: call Worker.EnterIfWorker() as the first line of Main (the program re-enters itself as a worker), " +
                $"or reference the ActorParallel.Host project so that {HostName} is copied beside the application, " +
                $"or set ParallelRuntimeOptions.WorkerHostPath.");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The worker executable '{path}' does not exist.");
        }
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (DotnetMuxer(), [path]);
        }
        return (path, []);
    }

    private static string? FindHostBesideApplication()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var apphost = Path.Combine(baseDirectory, OperatingSystem.IsWindows() ? HostName + ".exe" : HostName);
        if (File.Exists(apphost))
        {
            return apphost;
        }
        var dll = Path.Combine(baseDirectory, HostName + ".dll");
        return File.Exists(dll) ? dll : null;
    }

    private static bool IsDotnetMuxer(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);

    private static string DotnetMuxer()
    {
        var processPath = Environment.ProcessPath;
        if (processPath is not null && IsDotnetMuxer(processPath))
        {
            return processPath;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }
}
