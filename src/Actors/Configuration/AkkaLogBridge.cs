using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Configuration;

/// <summary>
/// The Akka logger (<c>akka.loggers</c>) of ActorParallel's ActorSystems: each Akka log event goes to the
/// system's <see cref="ILoggerFactory"/> (<see cref="ActorParallelLogging"/>) under the class that logged
/// it, at the level <see cref="AkkaLogLevels"/> gives it. Akka.Hosting's <c>LoggerFactoryLogger</c> does
/// the like for hosted systems, but it needs Akka.Hosting (and its dependency injection, OpenTelemetry and
/// Akka.Streams packages) in the core library, logs every event under one category, and keeps Akka's levels
/// for the reports that ActorParallel makes routine.
/// </summary>
internal sealed class AkkaLogBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly Dictionary<string, ILogger> _loggers = [];
    private ILoggerFactory? _factory;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                Log(logEvent);
                return true;
            default:
                return false;
        }
    }

    private void Log(LogEvent logEvent)
    {
        // Looked up for each event: a runtime attached to the user's system may have given it a factory since.
        var factory = ActorParallelLogging.Get(Context.System).Factory;
        if (!ReferenceEquals(factory, _factory))
        {
            _loggers.Clear();
            _factory = factory;
        }
        var category = AkkaLogLevels.Category(logEvent);
        if (!_loggers.TryGetValue(category, out var logger))
        {
            logger = factory.CreateLogger(category);
            _loggers[category] = logger;
        }
        Write(logger, logEvent);
    }

    /// <summary>Logs <paramref name="logEvent"/> to <paramref name="logger"/> if it takes its level.</summary>
    public static void Write(ILogger logger, LogEvent logEvent)
    {
        var level = AkkaLogLevels.Of(logEvent);
        if (logger.IsEnabled(level))
        {
            logger.Log(level, logEvent.Cause, "{AkkaSource}: {AkkaMessage}", logEvent.LogSource, AkkaLogLevels.Text(logEvent));
        }
    }
}

/// <summary>
/// What Akka logs through while a system starts and after its loggers have stopped
/// (<c>akka.stdout-logger-class</c>, from <c>akka.stdout-loglevel</c> up): <see cref="ProcessLogs.Default"/>,
/// at the levels <see cref="AkkaLogLevels"/> gives. Akka's own prints every event to stdout, among them
/// the routine reports of a system shutting down.
/// </summary>
internal sealed class QuietStdoutLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent logEvent)
        {
            AkkaLogBridge.Write(ProcessLogs.Default.CreateLogger(AkkaLogLevels.Category(logEvent)), logEvent);
        }
    }
}
