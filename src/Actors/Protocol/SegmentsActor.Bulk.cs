using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Protocol;

/// <summary>The segments actor's bulk facet: large messages to a system with a <see cref="BulkLinks"/> listener go over a connection of their own.</summary>
internal sealed partial class SegmentsActor
{
    private readonly Dictionary<Address, BulkRoute> _routes = [];
    private readonly Dictionary<long, BulkTransfer> _bulkSending = [];

    /// <summary>
    /// Starts sending a large message: over the bulk link to its recipient's system when there is one
    /// (asked for on the first large message to that system, which waits for the answer), else in segments.
    /// </summary>
    private void Start(SegmentOutbox outbox, object message, IActorRef sender)
    {
        var address = outbox.Recipient.Path.Address;
        if (owner.Bulk is null)
        {
            StartSegments(outbox, message, sender);
            return;
        }
        if (!_routes.TryGetValue(address, out var route))
        {
            route = new BulkRoute();
            _routes[address] = route;
            ActorSelection(address).Tell(BulkQuery.Instance, Self);
            Timers.StartSingleTimer(address, new BulkQueryTimedOut(address), Configuration.Timeouts.BulkConnect);
        }
        if (route.Waiting is not null)
        {
            route.Waiting.Add((outbox, message, sender));
        }
        else if (route.Connection is { } connection)
        {
            SendBulk(connection, outbox, message, sender);
        }
        else
        {
            StartSegments(outbox, message, sender);
        }
    }

    /// <summary>What a peer asking where to send this system large messages is told.</summary>
    private BulkEndpoint BulkEndpointHere()
    {
        if (owner.Bulk is not { } bulk)
        {
            return BulkEndpoint.None;
        }
        try
        {
            return bulk.Endpoint();
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            Log.LogInformation("No bulk link listens here ({Reason}): peers send large messages in segments.", exception.Message);
            return BulkEndpoint.None;
        }
    }

    private void Answered(Address address, BulkEndpoint endpoint)
    {
        if (!_routes.TryGetValue(address, out var route) || route.Waiting is null || route.Connecting || owner.Bulk is not { } bulk)
        {
            return;
        }
        if (endpoint.Host is null)
        {
            Routed(route);
            return;
        }
        route.Connecting = true;
        Task.Run(() => bulk.Connect(endpoint)).ContinueWith(
            connecting => new BulkConnected(address, connecting.IsCompletedSuccessfully ? connecting.Result : null, connecting.Exception?.GetBaseException().Message),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void Connected(BulkConnected connected)
    {
        if (!_routes.TryGetValue(connected.Address, out var route) || route.Waiting is null)
        {
            connected.Connection?.Dispose();
            return;
        }
        route.Connecting = false;
        if (connected.Connection is null)
        {
            Log.LogInformation("Large messages to {Address} go in segments over Akka.Remote: {Reason}", connected.Address, connected.Error);
        }
        route.Connection = connected.Connection;
        if (connected.Connection is { } connection)
        {
            // A closed link's route is forgotten: the next large message asks again (the peer may have restarted, or left for good).
            var address = connected.Address;
            connection.Closed.ContinueWith(_ => new BulkClosed(address, connection), TaskScheduler.Default).PipeTo(Self);
        }
        Routed(route);
    }

    /// <summary>The route is known (a connection, or none): the messages that waited for it start.</summary>
    private void Routed(BulkRoute route)
    {
        var waiting = route.Waiting!;
        route.Waiting = null;
        foreach (var (outbox, message, sender) in waiting)
        {
            Start(outbox, message, sender);
        }
    }

    private void SendBulk(BulkConnection connection, SegmentOutbox outbox, object message, IActorRef sender)
    {
        if (_watched.Add(outbox.Recipient))
        {
            Context.Watch(outbox.Recipient);
        }
        var id = ++_lastTransferId;
        var here = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var head = BulkLinks.WriteHead(id, outbox.Recipient.Path.ToSerializationFormatWithAddress(here),
            sender.IsNobody() ? null : sender.Path.ToSerializationFormatWithAddress(here));
        _bulkSending[id] = new BulkTransfer(outbox, message, sender, connection);
        var wire = (WireSerializer)Context.System.Serialization.FindSerializerForType(typeof(IWireMessage));
        // Serializing and writing take a thread of their own for as long as they take (seconds for gigabytes).
        Task.Factory.StartNew(() => TransferAsync(id, head, message, wire, connection), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .Unwrap().PipeTo(Self);
    }

    private static async Task<BulkSent> TransferAsync(long id, byte[] head, object message, WireSerializer wire, BulkConnection connection)
    {
        Serialization.WireWriter writer;
        try
        {
            writer = wire.Write(message, collectBlocks: true);
        }
        catch (Exception exception)
        {
            return new BulkSent(id, BulkOutcome.Unserializable, exception);
        }
        Task<bool> acknowledged;
        try
        {
            acknowledged = connection.Send(id, head, writer);
        }
        catch (IOException exception)
        {
            return new BulkSent(id, BulkOutcome.NotSent, exception);
        }
        try
        {
            return new BulkSent(id, await acknowledged.ConfigureAwait(false) ? BulkOutcome.Delivered : BulkOutcome.Unreadable, null);
        }
        catch (IOException exception)
        {
            return new BulkSent(id, BulkOutcome.Unacknowledged, exception);
        }
    }

    private void BulkFinished(BulkSent sent)
    {
        if (!_bulkSending.Remove(sent.Id, out var transfer))
        {
            return;
        }
        switch (sent.Outcome)
        {
            case BulkOutcome.NotSent:
                // Nothing was delivered: the message goes again, in segments, and the next one asks for a new link.
                Log.LogInformation("A bulk link to {Address} broke ({Reason}); the message goes in segments.", transfer.Outbox.Recipient.Path.Address, sent.Error?.Message);
                var address = transfer.Outbox.Recipient.Path.Address;
                if (_routes.TryGetValue(address, out var route) && route.Connection == transfer.Connection)
                {
                    _routes.Remove(address);
                }
                transfer.Connection.Dispose();
                StartSegments(transfer.Outbox, transfer.Message, transfer.Sender);
                return;
            case BulkOutcome.Unserializable:
                // As Akka.Remote does with a message it cannot serialize: logged, and the rest goes on.
                Log.LogError(sent.Error, "A {MessageType} to {Recipient} could not be serialized and was dropped.", transfer.Message.GetType().Name, transfer.Outbox.Recipient);
                break;
            case BulkOutcome.Unacknowledged:
                // Written whole, then the link closed: delivered or not, as with a remoting message to a system that left.
                Log.LogDebug("A bulk link to {Address} closed before acknowledging a message.", transfer.Outbox.Recipient.Path.Address);
                break;
        }
        lock (transfer.Outbox)
        {
            transfer.Outbox.Queue.Dequeue();
        }
        Drain(transfer.Outbox);
    }

    /// <summary>How large messages reach one system: being asked (<see cref="Waiting"/> holds what waits for the answer), a connection, or segments.</summary>
    private sealed class BulkRoute
    {
        public List<(SegmentOutbox Outbox, object Message, IActorRef Sender)>? Waiting { get; set; } = [];

        public bool Connecting { get; set; }

        public BulkConnection? Connection { get; set; }
    }

    private sealed record BulkTransfer(SegmentOutbox Outbox, object Message, IActorRef Sender, BulkConnection Connection);

    private sealed record BulkConnected(Address Address, BulkConnection? Connection, string? Error);

    private sealed record BulkQueryTimedOut(Address Address);

    private sealed record BulkClosed(Address Address, BulkConnection Connection);

    private void Closed(BulkClosed closed)
    {
        if (_routes.TryGetValue(closed.Address, out var route) && route.Connection == closed.Connection)
        {
            _routes.Remove(closed.Address);
        }
    }

    private enum BulkOutcome
    {
        Delivered,
        Unreadable,
        Unacknowledged,
        NotSent,
        Unserializable,
    }

    private sealed record BulkSent(long Id, BulkOutcome Outcome, Exception? Error);
}
