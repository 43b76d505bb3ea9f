using Akka.Actor;
using Akka.Event;

namespace ActorParallel.Configuration;

/// <summary>
/// The console logger of ActorParallel's ActorSystems. It prints what Akka's standard logger prints,
/// except remoting's reports of a connection that ended: worker processes exit, are killed and are
/// replaced by design, the driver learns of each exit from the OS, and a stack trace per exit would
/// bury the user's own output.
/// </summary>
internal sealed class QuietRemotingLogger : ActorBase
{
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent when !IsConnectionEnded(logEvent):
                Console.WriteLine(logEvent.ToString());
                return true;
            case LogEvent:
                return true;
            default:
                return false;
        }
    }

    private static bool IsConnectionEnded(LogEvent logEvent)
    {
        // Akka keeps these exception types internal: match them by name.
        if (logEvent is Error { Cause: { } cause } && cause.GetType().Name is "EndpointDisassociatedException" or "ShutDownAssociation")
        {
            return true;
        }
        var text = logEvent.Message?.ToString() ?? string.Empty;
        return text.Contains("EndpointDisassociatedException", StringComparison.Ordinal)
            || text.Contains("Unable to REMOVE channel", StringComparison.Ordinal)
            || text.Contains("Tried to associate with unreachable remote address", StringComparison.Ordinal)
            || text.Contains("Received gossip where this member has been downed", StringComparison.Ordinal)
            // A system that is shutting down (a worker whose node left, a node that left) still has letters in flight.
            || text.Contains("Remoting is not running", StringComparison.Ordinal)
            || (logEvent.Cause?.Message.Contains("Remoting is not running", StringComparison.Ordinal) ?? false)
            || text.Contains("flushing might not have been successful", StringComparison.Ordinal);
    }
}
