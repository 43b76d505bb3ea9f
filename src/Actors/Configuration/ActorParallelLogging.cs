using Akka.Actor;
using Akka.Actor.Setup;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Configuration;

/// <summary>
/// The <see cref="ILoggerFactory"/> of one ActorSystem: what ActorParallel's actors in it log their own
/// messages to, and where the systems ActorParallel starts send Akka's (<see cref="AkkaLogBridge"/>).
/// A system ActorParallel starts is given it at creation (<see cref="LoggingSetup"/>); a system the user
/// brings gets it when a runtime attaches with <see cref="ParallelRuntimeOptions.LoggerFactory"/> set;
/// otherwise it is <see cref="ProcessLogs.Default"/>.
/// </summary>
internal sealed class ActorParallelLogging : IExtension
{
    private ILoggerFactory _factory;

    private ActorParallelLogging(ILoggerFactory factory) => _factory = factory;

    public ILoggerFactory Factory => Volatile.Read(ref _factory);

    public static ActorParallelLogging Get(ActorSystem system) => system.WithExtension<ActorParallelLogging, Id>();

    /// <summary>A logger of <see cref="Factory"/>.</summary>
    public ILogger CreateLogger(string category) => Factory.CreateLogger(category);

    /// <summary>Logs to <paramref name="factory"/> from now on (a runtime attached to the user's system with a factory of its own).</summary>
    public void Use(ILoggerFactory factory) => Volatile.Write(ref _factory, factory);

    private sealed class Id : ExtensionIdProvider<ActorParallelLogging>
    {
        public override ActorParallelLogging CreateExtension(ExtendedActorSystem system)
        {
            var setup = system.Settings.Setup.Get<LoggingSetup>();
            return new ActorParallelLogging(setup.HasValue ? setup.Value.Factory : ProcessLogs.Default);
        }
    }
}

/// <summary>The <see cref="ILoggerFactory"/> an ActorSystem that ActorParallel starts logs to, given at its creation.</summary>
internal sealed class LoggingSetup(ILoggerFactory factory) : Setup
{
    public ILoggerFactory Factory { get; } = factory;
}

/// <summary>
/// Process-wide logging facts. <see cref="Default"/> is where messages go that no
/// <see cref="ParallelRuntimeOptions.LoggerFactory"/> claims: the quiet console in a driver or a Host
/// node; in a worker process, its driver (set once, as the worker starts, before anything logs).
/// </summary>
internal static class ProcessLogs
{
    private const int NotAWorker = -1;

    private static int s_workerLevel = NotAWorker;
    private static ILoggerFactory? s_worker;

    public static ILoggerFactory Default => Volatile.Read(ref s_workerLevel) is var level && level == NotAWorker
        ? QuietConsoleLoggerFactory.Instance
        : LazyInitializer.EnsureInitialized(ref s_worker, () => new Protocol.WorkerLogWriter((LogLevel)level));

    /// <summary>
    /// This process is a worker: what nobody else claims goes to its driver from <paramref name="minimumLevel"/> up
    /// (a <see cref="LogLevel"/>, as a number: the logging assembly is loaded only when something logs).
    /// </summary>
    public static void EnterWorker(int minimumLevel) => Volatile.Write(ref s_workerLevel, minimumLevel);

    /// <summary>The lowest level <paramref name="factory"/> logs in <paramref name="category"/> (<see cref="LogLevel.None"/> when none).</summary>
    public static LogLevel LowestEnabled(ILoggerFactory factory, string category)
    {
        var logger = factory.CreateLogger(category);
        for (var level = LogLevel.Trace; level < LogLevel.None; level++)
        {
            if (logger.IsEnabled(level))
            {
                return level;
            }
        }
        return LogLevel.None;
    }

    /// <summary>The <c>akka.loglevel</c> that lets through what <paramref name="factory"/> logs of Akka's, and nothing it would drop.</summary>
    public static string AkkaLevel(ILoggerFactory factory) => LowestEnabled(factory, LogCategories.Akka) switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error or LogLevel.Critical => "ERROR",
        _ => "OFF",
    };
}
