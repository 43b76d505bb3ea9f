using ActorParallel.Configuration;
using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;

namespace ActorParallel.Tests.Protocol;

/// <summary>
/// A bulk link carries a large message to an actor in another system, and only for a peer that proves
/// itself: the token learnt over remoting, and with a certificate, mutual TLS pinned to it.
/// </summary>
public sealed class BulkLinksTests : RuntimeFixture
{
    private const string Password = "correct horse";

    [Fact]
    public async Task Send_WithTheRightToken_DeliversTheMessageToItsRecipientWithItsSender()
    {
        using var receiver = Systems.Create("bulk-in", null);
        using var sender = Systems.Create("bulk-out", null);
        var (recipient, received) = Catcher(receiver.System);
        var links = WireSegments.Get(receiver.System).Bulk!;
        using var connection = WireSegments.Get(sender.System).Bulk!.Connect(links.Endpoint());
        var message = new ExitWorker(-15);

        var delivered = await connection.Send(1, BulkLinks.WriteHead(1, recipient.Path.ToSerializationFormat(), null), Serialize(sender.System, message)).WaitAsync(Bound);

        Assert.True(delivered);
        Assert.Equal(message, await received.WaitAsync(Bound));
    }

    [Fact]
    public async Task Send_WithAWrongToken_IsRefused_AndNothingIsDelivered()
    {
        using var receiver = Systems.Create("bulk-in", null);
        using var sender = Systems.Create("bulk-out", null);
        var (recipient, received) = Catcher(receiver.System);
        var endpoint = WireSegments.Get(receiver.System).Bulk!.Endpoint();
        using var connection = WireSegments.Get(sender.System).Bulk!.Connect(endpoint with { Token = new string('0', endpoint.Token.Length) });

        // Refused either before the write (the connection already closed) or after it (never acknowledged).
        await Assert.ThrowsAsync<IOException>(async () =>
            await connection.Send(1, BulkLinks.WriteHead(1, recipient.Path.ToSerializationFormat(), null), Serialize(sender.System, new ExitWorker(-15))).WaitAsync(Bound));
        Assert.False(received.IsCompleted);
    }

    [Fact]
    public async Task WireSegmentsSend_ToASystemWhoseBulkPortCannotBeReached_FallsBackToSegments_InOrder()
    {
        using var receiver = Systems.Create("bulk-in", null);
        using var sender = Systems.Create("bulk-out", null);
        // The receiver advertises an address nothing listens on (its listener binds 127.0.0.1): connecting is refused.
        var extended = (ExtendedActorSystem)receiver.System;
        WireSegments.Get(receiver.System).UseBulkLinks(new BulkLinks(extended, "127.0.0.1", "127.0.0.2", null));
        var received = new System.Collections.Concurrent.BlockingCollection<object>();
        var local = receiver.System.ActorOf(Props.Create(() => new CatchAll(received)));
        var here = extended.Provider.DefaultAddress;
        var remote = ((ExtendedActorSystem)sender.System).Provider.ResolveActorRef(local.Path.ToSerializationFormatWithAddress(here));
        var value = Enumerable.Range(0, 6 << 20).Select(i => (byte)i).ToArray();
        var segmentsBefore = WireSegments.Get(receiver.System).SegmentsReceived;
        var bulkBefore = BulkLinks.MessagesReceived;

        WireSegments.Get(sender.System).Send(remote, new AppendValues("list-1", "writer-1", 0, [value]), ActorRefs.Nobody);
        WireSegments.Get(sender.System).Send(remote, new AppendValues("list-1", "writer-1", 1, [[1, 2, 3]]), ActorRefs.Nobody);

        var first = Assert.IsType<AppendValues>(await Task.Run(() => received.Take()).WaitAsync(Bound));
        var second = Assert.IsType<AppendValues>(await Task.Run(() => received.Take()).WaitAsync(Bound));
        Assert.Equal(0, first.FirstSeq);
        Assert.True(value.AsSpan().SequenceEqual(first.Values[0]), "the 6 MiB value differs");
        Assert.Equal(1, second.FirstSeq);
        Assert.True(WireSegments.Get(receiver.System).SegmentsReceived - segmentsBefore >= (6 << 20) / WireSegments.SegmentBytes, "the value did not come in segments");
        Assert.Equal(bulkBefore, BulkLinks.MessagesReceived);
    }

    [Fact]
    public void Connect_WithAnotherCertificate_IsRefusedBothWays()
    {
        var cluster = ScratchFile("cluster.pfx");
        var foreign = ScratchFile("foreign.pfx");
        ClusterCertificate.CreateFile(cluster, Password);
        ClusterCertificate.CreateFile(foreign, Password);
        using var receiver = Systems.Create("bulk-in", cluster);
        using var stranger = Systems.Create("bulk-out", foreign);
        using var member = Systems.Create("bulk-member", cluster);
        var endpoint = WireSegments.Get(receiver.System).Bulk!.Endpoint();

        var refused = Assert.Throws<IOException>(() => WireSegments.Get(stranger.System).Bulk!.Connect(endpoint));
        using var accepted = WireSegments.Get(member.System).Bulk!.Connect(endpoint);

        Assert.Contains("No bulk connection", refused.Message);
        Assert.NotNull(accepted);
    }

    private static ActorParallel.Serialization.WireWriter Serialize(ActorSystem system, object message) =>
        ((WireSerializer)system.Serialization.FindSerializerForType(typeof(IWireMessage))).Write(message, collectBlocks: true);

    private static (IActorRef Recipient, Task<object> Received) Catcher(ActorSystem system)
    {
        var received = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recipient = system.ActorOf(Props.Create(() => new CatchOne(received)));
        return (recipient, received.Task);
    }

    private sealed class CatchAll : ReceiveActor
    {
        public CatchAll(System.Collections.Concurrent.BlockingCollection<object> received) => ReceiveAny(received.Add);
    }

    private sealed class CatchOne : ReceiveActor
    {
        public CatchOne(TaskCompletionSource<object> received) => ReceiveAny(message => received.TrySetResult(message));
    }

    /// <summary>A remoting system made as the library makes its own, terminated at the end of the test.</summary>
    private sealed class Systems(ActorSystem system) : IDisposable
    {
        public ActorSystem System { get; } = system;

        public static Systems Create(string name, string? certificate) =>
            new(new NodeTransport("127.0.0.1", null, 0, certificate, certificate is null ? null : Password)
                .CreateSystem(name, AkkaConfig.Worker));

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
