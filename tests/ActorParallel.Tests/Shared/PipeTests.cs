using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>Manager pipes in the spirit of CPython's <c>_TestConnection</c>: round trips, bytes, poll, end-of-file on close and on the peer's death.</summary>
public sealed class PipeTests : RuntimeFixture
{
    [Fact]
    public async Task Pipe_DriverAndChildEcho_MessagesAndBytesComeBackInOrder_PollSeesThem()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.Echo, child);
        await echo.StartAsync();

        Assert.False(await parent.PollAsync().WaitAsync(Bound));
        var back = new List<int>();
        for (var i = 0; i < 200; i++)
        {
            parent.Send(i);
            back.Add(await parent.RecvAsync<int>().WaitAsync(Bound));
        }
        parent.Send("text");
        Assert.True(await parent.PollAsync(Bound).WaitAsync(Bound));
        var text = await parent.RecvAsync().WaitAsync(Bound);
        parent.Send(null);
        parent.SendBytes([1, 2, 3]);
        var bytes = await parent.RecvBytesAsync().WaitAsync(Bound);
        await Joined(echo);

        Assert.Equal(Enumerable.Range(0, 200), back);
        Assert.Equal("text", text);
        Assert.Equal(new byte[] { 3, 2, 1 }, bytes);
        Assert.Equal(0, echo.ExitCode);
    }

    [Fact]
    public async Task RecvAsync_PeerProcessSigkilled_ThrowsEndOfStream()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var marker = ScratchFile("received");
        var victim = Create(PipeTargets.ReceiveOneThenWait, child, marker);
        await victim.StartAsync();
        parent.Send(1);
        await WaitForFile(marker);

        victim.Kill();
        await Joined(victim);

        await Assert.ThrowsAsync<EndOfStreamException>(() => parent.RecvAsync()).WaitAsync(Bound);
        Assert.True(await parent.PollAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task RecvAsync_OtherEndClosedAfterSending_ReceivesEverythingThenEndOfStream()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (reader, writer) = manager.Pipe(duplex: false);
        var sender = Create(PipeTargets.SendThreeAndClose, writer);
        await sender.StartAsync();
        await Joined(sender);

        var received = new List<string>();
        using var deadline = new CancellationTokenSource(Bound);
        await foreach (var message in reader.ReadAllAsync<string>(deadline.Token))
        {
            received.Add(message);
        }

        Assert.Equal(["a", "b", "c"], received);
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.RecvAsync()).WaitAsync(Bound);
        Assert.False(reader.CanSend);
        Assert.Throws<InvalidOperationException>(() => reader.Send(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.RecvAsync());
    }
}
