using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorParallel.Configuration;

/// <summary>
/// The level an Akka log event is logged at, its category and its text. Akka's level, except for
/// reports that ActorParallel's design makes routine, which Akka logs as errors or warnings: they are
/// debug records here, so that a run that worked prints no ERROR or WARNING, and a user who turns on
/// debug logging still sees them.
/// </summary>
internal static class AkkaLogLevels
{
    /// <summary>The level <paramref name="logEvent"/> is logged at.</summary>
    public static LogLevel Of(LogEvent logEvent)
    {
        var level = logEvent.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        return level >= LogLevel.Warning && IsRoutine(logEvent) ? LogLevel.Debug : level;
    }

    /// <summary>The category: the class that logged it (<c>Akka.Remote.EndpointWriter</c>), or <c>Akka</c>.</summary>
    public static string Category(LogEvent logEvent) => logEvent.LogClass?.FullName ?? LogCategories.Akka;

    /// <summary>The event's message, formatted; a message whose format does not fit its arguments is shown raw.</summary>
    public static string Text(LogEvent logEvent)
    {
        try
        {
            return logEvent.Message?.ToString() ?? string.Empty;
        }
        catch (FormatException)
        {
            return logEvent.Message is LogMessage raw ? $"{raw.Format} [{string.Join(", ", raw.Unformatted())}]" : string.Empty;
        }
    }

    /// <summary>
    /// Akka's reports of what ActorParallel does on purpose. Worker processes exit, are killed and are
    /// replaced by design, and Host nodes leave: remoting reports each ended connection (the driver
    /// learns of each exit from the OS, or from the cluster), and a system that is shutting down still
    /// has letters in flight ("Remoting is not running"). A busy machine (workers starting on every core)
    /// delays heartbeats past the failure detector's early warning without any node being lost: a node
    /// that is lost is reported as unreachable and acted on. A Host node asks its driver's port whether
    /// anything still listens there by connecting and closing at once, before any TLS.
    /// </summary>
    private static bool IsRoutine(LogEvent logEvent)
    {
        // Akka keeps these exception types internal: match them by name.
        if (logEvent.Cause is { } cause
            && (cause.GetType().Name is "EndpointDisassociatedException" or "ShutDownAssociation"
                || cause.Message.Contains("Remoting is not running", StringComparison.Ordinal)))
        {
            return true;
        }
        var text = Text(logEvent);
        if (logEvent.LogClass?.Name == "ClusterRemoteWatcher" && text.Contains("Detected unreachable", StringComparison.Ordinal))
        {
            // The remote watcher's failure detector covers watched actors in systems that are not cluster
            // members: a worker process linked over remoting. Its exit is reported by the driver (from the OS,
            // or from its Host node) at once, and a member that is lost is reported by the cluster itself.
            return true;
        }
        if (text.Contains("TLS handshake failed", StringComparison.Ordinal))
        {
            // A connection closed before its handshake is a Host node's probe of its driver (see DriverWatch)
            // or a port scan; a peer that presents a certificate that is not the cluster's fails otherwise
            // (and is reported as refused).
            return logEvent.Cause is IOException { Message: "Channel is closed" };
        }
        return text.Contains("EndpointDisassociatedException", StringComparison.Ordinal)
            || text.Contains("Unable to REMOVE channel", StringComparison.Ordinal)
            || text.Contains("Tried to associate with unreachable remote address", StringComparison.Ordinal)
            || text.Contains("Received gossip where this member has been downed", StringComparison.Ordinal)
            || text.Contains("Remoting is not running", StringComparison.Ordinal)
            || text.Contains("flushing might not have been successful", StringComparison.Ordinal)
            || text.Contains("heartbeat interval is growing too large", StringComparison.Ordinal);
    }
}
