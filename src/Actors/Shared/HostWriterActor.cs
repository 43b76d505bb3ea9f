using Akka.Actor;

namespace ActorParallel.Shared;

/// <summary>
/// What the list and value writers share: finding the driver's host, keeping one request in flight,
/// sending it again when its reply is late (the host applies it once), and failing everything
/// waiting once the host stays silent.
/// </summary>
internal abstract class HostWriterActor : UntypedActor, IWithTimers
{
    private const int MaxAttempts = 6;

    private int _attempts;

    protected HostWriterActor(SharedStateNode node, string hostPath, string name)
    {
        Node = node;
        HostPath = hostPath;
        Name = name;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected SharedStateNode Node { get; }

    protected string HostPath { get; }

    protected string Name { get; }

    /// <summary>The host, once found; nothing is sent before.</summary>
    protected IActorRef? Host { get; private set; }

    /// <summary>Set when the host cannot be reached: every write waiting and to come fails with it.</summary>
    protected Exception? Broken { get; private set; }

    protected abstract string Kind { get; }

    protected override void PreStart() =>
        Node.Host(HostPath).PipeTo(Self, success: host => new HostFound(host), failure: error => new Status.Failure(error));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case HostFound found:
                Host = found.Host;
                TryStart();
                break;
            case Status.Failure failure:
                Broken = new InvalidOperationException($"Shared {Kind} '{Name}': the driver's shared-state host at {HostPath} cannot be reached.", failure.Cause);
                TryStart();
                break;
            case FlushWrites:
                // A flush completes with the batch that holds everything written before it.
                AddFlusher(Sender);
                TryStart();
                break;
            case ResendTimer:
                if (HasInFlight)
                {
                    Resend();
                }
                break;
            default:
                if (!Handle(message))
                {
                    Unhandled(message);
                }
                break;
        }
    }

    protected abstract bool HasInFlight { get; }

    /// <summary>Adds a flush request to the batch that new writes join.</summary>
    protected abstract void AddFlusher(IActorRef flusher);

    /// <summary>Handles the writer's own messages; returns false for a message it does not know.</summary>
    protected abstract bool Handle(object message);

    /// <summary>Sends the next batch if the host is known and nothing is in flight; fails everything once <see cref="Broken"/>.</summary>
    protected abstract void TryStart();

    /// <summary>The request of the batch in flight.</summary>
    protected abstract object InFlightRequest { get; }

    /// <summary>Sends the batch now in flight for the first time.</summary>
    protected void SendFirst()
    {
        _attempts = 0;
        Send();
    }

    /// <summary>The batch in flight is acknowledged.</summary>
    protected void Acknowledged() => Timers.Cancel(ResendTimer.Instance);

    private void Send()
    {
        _attempts++;
        Host!.Tell(InFlightRequest);
        Timers.StartSingleTimer(ResendTimer.Instance, ResendTimer.Instance, SharedStateNode.Timeout);
    }

    private void Resend()
    {
        if (_attempts < MaxAttempts)
        {
            Send();
            return;
        }
        Broken = new TimeoutException($"Shared {Kind} '{Name}': the host did not acknowledge a write after {MaxAttempts} attempts.");
        TryStart();
    }

    private sealed record HostFound(IActorRef Host);

    private sealed class ResendTimer
    {
        public static readonly ResendTimer Instance = new();
    }
}

/// <summary>Writes waiting for their batch's acknowledgement: callers' tasks and flush requests.</summary>
internal sealed class Waiters
{
    public List<TaskCompletionSource> Acks { get; } = [];

    public List<IActorRef> Flushers { get; } = [];

    public bool IsEmpty => Acks.Count == 0 && Flushers.Count == 0;

    public void Complete()
    {
        Acks.ForEach(ack => ack.TrySetResult());
        Flushers.ForEach(flusher => flusher.Tell(WritesFlushed.Instance));
        Acks.Clear();
        Flushers.Clear();
    }

    public void Fail(Exception error)
    {
        Acks.ForEach(ack => ack.TrySetException(error));
        Flushers.ForEach(flusher => flusher.Tell(new Status.Failure(error)));
        Acks.Clear();
        Flushers.Clear();
    }
}
