using System.Runtime.CompilerServices;
using ActorParallel.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Workers;

/// <summary>
/// What a worker process reports about itself (category <c>ActorParallel.Worker</c>), to its driver
/// (<see cref="ProcessLogs.Default"/>). Never inlined: a method that may log does not load the logging
/// assembly when it is compiled, only when it does log, so a worker that has nothing to report never loads it.
/// </summary>
internal static class WorkerLog
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Debug(string template, params object?[] args) =>
        ProcessLogs.Default.CreateLogger(LogCategories.Worker).Log(LogLevel.Debug, template, args);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Warning(string template, params object?[] args) =>
        ProcessLogs.Default.CreateLogger(LogCategories.Worker).Log(LogLevel.Warning, template, args);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Error(string template, params object?[] args) =>
        ProcessLogs.Default.CreateLogger(LogCategories.Worker).Log(LogLevel.Error, template, args);
}
