using Akka.Actor;
using Akka.DistributedData;

namespace ActorParallel.Driver;

/// <summary>
/// The shared-state host's writes to the replicator, with the manager's write consistency. Under
/// <see cref="SharedConsistency.Local"/> an acknowledgement goes out at once (the replicator applies
/// its mailbox in order, so every later read sees the write). Under Majority or All each
/// acknowledgement waits until every update made for that request is confirmed by enough replicas;
/// a round that times out is pushed again (the write already stands on the driver), and a writer's
/// resend of a request still being confirmed is answered when the original is.
/// </summary>
/// <param name="replicator">The replicator.</param>
/// <param name="consistency">The manager's write consistency.</param>
/// <param name="reply">How an acknowledgement is sent (the host sends large ones in segments); a plain <c>Tell</c> by default.</param>
internal sealed class ConfirmedWrites(IActorRef replicator, IWriteConsistency consistency, Action<IActorRef, object>? reply = null)
{
    private readonly Action<IActorRef, object> _reply = reply ?? ((to, message) => to.Tell(message));

    private readonly Dictionary<long, (Request Owner, Action<long> PushAgain)> _updates = [];
    private readonly Dictionary<(string Name, string Writer), Request> _unconfirmedByWriter = [];
    private Request? _current;
    private long _lastUpdate;

    private bool IsLocal => consistency is WriteLocal;

    /// <summary>Starts one write request: the updates made until <see cref="Acknowledge"/> belong to it.</summary>
    /// <param name="replyTo">Who gets the acknowledgement.</param>
    /// <param name="writer">The object and writer whose numbered writes this is, so that a resend waits for the original.</param>
    public void Begin(IActorRef replyTo, (string Name, string Writer)? writer = null) => _current = new Request(replyTo, writer);

    public void Update<T>(IKey<T> key, T initial, Func<T, T> modify)
        where T : IReplicatedData<T>
    {
        if (IsLocal || _current is null)
        {
            replicator.Tell(Dsl.Update(key, initial, WriteLocal.Instance, modify));
            return;
        }
        var id = ++_lastUpdate;
        _current.Outstanding++;
        _updates[id] = (_current, again => replicator.Tell(Dsl.Update(key, initial, consistency, again, data => data)));
        replicator.Tell(Dsl.Update(key, initial, consistency, id, modify));
    }

    /// <summary>Ends the current request: <paramref name="reply"/> goes out now, or once its updates are confirmed.</summary>
    public void Acknowledge(object reply)
    {
        var request = _current ?? throw new InvalidOperationException("Acknowledge without Begin.");
        _current = null;
        request.Reply = reply;
        if (IsLocal)
        {
            _reply(request.ReplyTo, request.Reply!);
            return;
        }
        if (request.Outstanding == 0 && request.Writer is { } resent && _unconfirmedByWriter.TryGetValue(resent, out var original))
        {
            // Nothing new (a resend after a lost or slow reply): answer when the original is confirmed.
            original.Followers.Add(request);
            request.Outstanding++;
        }
        if (request.Outstanding == 0)
        {
            _reply(request.ReplyTo, request.Reply!);
            return;
        }
        if (request.Writer is { } writer)
        {
            _unconfirmedByWriter[writer] = request;
        }
    }

    /// <summary>Takes the replicator's answer to one of these updates; <see langword="false"/> for any other message.</summary>
    public bool Handle(object message)
    {
        switch (message)
        {
            case UpdateSuccess { Request: long id } when _updates.Remove(id, out var update):
                Confirmed(update.Owner);
                return true;
            case IUpdateFailure failure when failure.Request is long id && _updates.TryGetValue(id, out var update):
                update.PushAgain(id);
                return true;
            case IUpdateResponse:
                // Local updates' answers: nothing waits for them.
                return true;
            default:
                return false;
        }
    }

    private void Confirmed(Request request)
    {
        if (--request.Outstanding > 0)
        {
            return;
        }
        _reply(request.ReplyTo, request.Reply!);
        if (request.Writer is { } writer && _unconfirmedByWriter.TryGetValue(writer, out var latest) && latest == request)
        {
            _unconfirmedByWriter.Remove(writer);
        }
        request.Followers.ForEach(Confirmed);
    }

    private sealed class Request(IActorRef replyTo, (string Name, string Writer)? writer)
    {
        public IActorRef ReplyTo { get; } = replyTo;

        public (string Name, string Writer)? Writer { get; } = writer;

        public int Outstanding { get; set; }

        public object? Reply { get; set; }

        public List<Request> Followers { get; } = [];

    }
}
