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

    [Fact]
    public async Task Send_MessagesLargerThanTheRingAndMoreThanItHolds_ComeBackExactAndInOrder()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();
        // 1 MiB and 3 MiB spill through the store; 3,000 messages of 1 KiB sent unread fill both rings.
        byte[][] sent = [Pattern(1 << 20, 1), .. Enumerable.Range(0, 3_000).Select(i => Pattern(1024, i)), Pattern(3 << 20, 2), Pattern(10, 3)];

        foreach (var message in sent)
        {
            parent.Send(message);
        }
        var back = new List<byte[]>();
        for (var i = 0; i < sent.Length; i++)
        {
            back.Add(await parent.RecvAsync<byte[]>().WaitAsync(Bound));
        }
        parent.Send(null);
        await Joined(echo);

        Assert.Equal(sent.Length, back.Count);
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.True(sent[i].AsSpan().SequenceEqual(back[i]), $"message {i} ({sent[i].Length} bytes) came back different");
        }
        Assert.Equal(0, echo.ExitCode);
    }

    [Fact]
    public async Task RecvAsync_WaitingWhenThePeerIsSigkilled_WakesWithEndOfStream()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var marker = ScratchFile("received");
        var victim = Create(PipeTargets.ReceiveOneThenWait, child, marker);
        await victim.StartAsync();
        parent.Send(1);
        await WaitForFile(marker);
        var waiting = parent.RecvAsync();
        Assert.False(waiting.IsCompleted);

        victim.Kill();

        await Assert.ThrowsAsync<EndOfStreamException>(() => waiting).WaitAsync(Bound);
        await Joined(victim);
    }

    [Fact]
    public async Task RecvAsync_OneWayWritersProcessSigkilled_ReceivesWhatItSentThenEndOfStream()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (reader, writer) = manager.Pipe(duplex: false);
        var marker = ScratchFile("sent");
        var victim = Create(PipeTargets.SendTwoThenWait, writer, marker);
        await victim.StartAsync();
        await WaitForFile(marker);

        victim.Kill();
        await Joined(victim);
        var received = new List<string>();
        using var deadline = new CancellationTokenSource(Bound);
        await foreach (var message in reader.ReadAllAsync<string>(deadline.Token))
        {
            received.Add(message);
        }

        Assert.Equal(["a", "b"], received);
        Assert.True(await reader.PollAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task PollAsync_WithTimeout_FalseAfterTheTimeout_TrueOnceAMessageComes_AndItStaysForRecv()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var early = await parent.PollAsync(TimeSpan.FromMilliseconds(300)).WaitAsync(Bound);
        var waited = watch.Elapsed;
        var later = parent.PollAsync(Timeout.InfiniteTimeSpan);
        parent.Send(7);
        var ready = await later.WaitAsync(Bound);
        var value = await parent.RecvAsync<int>().WaitAsync(Bound);
        parent.Send(null);
        await Joined(echo);

        Assert.False(early);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(290), Bound);
        Assert.True(ready);
        Assert.Equal(7, value);
    }

    [Fact]
    public async Task PollAsync_NegativeTimeout_LooksWithoutWaiting_AsPythonsPollMinusOne()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();

        var nothingYet = await parent.PollAsync(TimeSpan.FromSeconds(-1)).WaitAsync(Bound);
        var alsoNothing = await parent.PollAsync(TimeSpan.MinValue).WaitAsync(Bound);
        parent.Send(7);
        // The echo comes back while an infinite poll waits; a negative one then sees it at once.
        Assert.True(await parent.PollAsync(Timeout.InfiniteTimeSpan).WaitAsync(Bound));
        var ready = await parent.PollAsync(TimeSpan.FromMilliseconds(-5)).WaitAsync(Bound);
        var value = await parent.RecvAsync<int>().WaitAsync(Bound);
        parent.Send(null);
        await Joined(echo);

        Assert.False(nothingYet);
        Assert.False(alsoNothing);
        Assert.True(ready);
        Assert.Equal(7, value);
    }

    [Fact]
    public async Task Send_OtherEndClosed_ThrowsIOExceptionNamingTheEnd_AsPythonsBrokenPipeError()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var (reader, writer) = manager.Pipe(duplex: false);
        var closer = Create(PipeTargets.SendThreeAndClose, child);
        await closer.StartAsync();
        await Joined(closer);
        await reader.CloseAsync();

        var fromParent = Assert.Throws<IOException>(() => parent.Send(1));
        var fromWriter = Assert.Throws<IOException>(() => writer.SendBytes([1]));
        var received = new List<string>();
        using var deadline = new CancellationTokenSource(Bound);
        await foreach (var message in parent.ReadAllAsync<string>(deadline.Token))
        {
            received.Add(message);
        }

        Assert.Equal(typeof(IOException), fromParent.GetType());
        Assert.Contains($"'{child.Name}' was closed (in process {closer.Pid})", fromParent.Message);
        Assert.Contains("BrokenPipeError", fromParent.Message);
        Assert.Contains($"'{reader.Name}' was closed", fromWriter.Message);
        Assert.Equal(["a", "b", "c"], received);
    }

    [Fact]
    public async Task Send_OtherEndsProcessExited_Throws_AndTheEndedEndCannotBeHandedOnOrUsed()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        var (parent, child) = manager.Pipe();
        var first = Create(PipeTargets.EchoOnce, child);
        await first.StartAsync();
        parent.Send(1);
        Assert.Equal(1, await parent.RecvAsync<int>().WaitAsync(Bound));
        await Joined(first);

        var send = Assert.Throws<IOException>(() => parent.Send(2));
        var handOn = Assert.Throws<NotShippableException>(() => Create(PipeTargets.EchoOnce, child));
        var toPool = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(SendOne(child))).WaitAsync(Bound);
        var useHere = Assert.Throws<InvalidOperationException>(() => child.Send(3));

        Assert.Contains($"'{child.Name}' was ended when process {first.Pid}, which held it, exited", send.Message);
        Assert.Contains("new pipe", send.Message);
        Assert.Contains($"'{child.Name}'", handOn.Message);
        Assert.Contains($"process {first.Pid}", handOn.Message);
        Assert.Contains("Make a new pipe", handOn.Message);
        Assert.Contains($"'{child.Name}'", toPool.Message);
        Assert.Contains($"was ended when process {first.Pid}", useHere.Message);
        await Assert.ThrowsAsync<EndOfStreamException>(() => parent.RecvAsync()).WaitAsync(Bound);

        // A lambda of its own scope captures the end alone (not the pool).
        static Func<int> SendOne(PipeConnection end) => () => PipeTargets.SendRange(end, 1);
    }

    [Fact]
    public async Task RecvAsync_WrongType_ThrowsNamingTheEndAndBothTypes_AndTheMessageStaysForTheNextReceive()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();

        parent.Send("text");
        parent.Send(42);
        var asInt = await Assert.ThrowsAsync<InvalidCastException>(() => parent.RecvAsync<int>()).WaitAsync(Bound);
        var stillThere = await parent.PollAsync().WaitAsync(Bound);
        var text = await parent.RecvAsync<string>().WaitAsync(Bound);
        var asBytes = await Assert.ThrowsAsync<InvalidCastException>(() => parent.RecvBytesAsync()).WaitAsync(Bound);
        var number = await parent.RecvAsync<int>().WaitAsync(Bound);
        parent.Send(new List<int> { 1 });
        var asDictionary = await Assert.ThrowsAsync<InvalidCastException>(() => parent.RecvAsync<Dictionary<string, int>>()).WaitAsync(Bound);
        var list = await parent.RecvAsync<List<int>>().WaitAsync(Bound);
        parent.Send(null);
        await Joined(echo);
        var (reader, writer) = manager.Pipe(duplex: false);
        writer.Send(null);
        var nullAsInt = await Assert.ThrowsAsync<InvalidCastException>(() => reader.RecvAsync<int>()).WaitAsync(Bound);
        var nullAsString = await reader.RecvAsync<string?>().WaitAsync(Bound);

        Assert.Contains($"Pipe end '{parent.Name}'", asInt.Message);
        Assert.Contains("RecvAsync<int>() asked for type int, but the next message is of type string", asInt.Message);
        Assert.True(stillThere);
        Assert.Equal("text", text);
        Assert.Contains("RecvBytesAsync() asked for type byte[], but the next message is of type int", asBytes.Message);
        Assert.Equal(42, number);
        Assert.Contains("asked for type Dictionary<string, int>, but the next message is of type List<int>", asDictionary.Message);
        Assert.Equal([1], list);
        Assert.Contains($"Pipe end '{reader.Name}': RecvAsync<int>() asked for type int, but the next message is null", nullAsInt.Message);
        Assert.Null(nullAsString);
    }

    [Fact]
    public async Task RecvAsync_Cancelled_ThrowsOperationCanceled_AndTheNextMessageStillArrives()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();
        parent.Send(1);
        Assert.Equal(1, await parent.RecvAsync<int>().WaitAsync(Bound));

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parent.RecvAsync(cancel.Token)).WaitAsync(Bound);
        parent.Send(2);
        var next = await parent.RecvAsync<int>().WaitAsync(Bound);
        parent.Send(null);
        await Joined(echo);

        Assert.Equal(2, next);
    }

    [Fact]
    public async Task Pipe_EndsPassedToPoolFunctions_CarryMessagesBothWays()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        var (reader, writer) = manager.Pipe(duplex: false);
        var (near, far) = manager.Pipe();

        var sender = await pool.ApplyAsync(() => PipeTargets.SendRange(writer, 500)).WaitAsync(Bound);
        var received = new List<int>();
        for (var i = 0; i < 500; i++)
        {
            received.Add(await reader.RecvAsync<int>().WaitAsync(Bound));
        }
        var doubling = pool.ApplyAsync(() => PipeTargets.DoubleBack(far, 100));
        var doubled = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            near.Send(i);
            doubled.Add(await near.RecvAsync<int>().WaitAsync(Bound));
        }
        var doubler = await doubling.WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 500), received);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => 2 * i), doubled);
        Assert.NotEqual(Environment.ProcessId, sender);
        Assert.Equal(sender, doubler);
    }

    [Fact]
    public async Task RecvAsync_ManagerDisposedWhileWaiting_ThrowsObjectDisposedNamingTheManager()
    {
        var manager = await Manager.StartAsync(Runtime);
        var (first, _) = manager.Pipe();
        var waiting = first.RecvAsync();
        Assert.False(waiting.IsCompleted);

        await manager.DisposeAsync();

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting).WaitAsync(Bound);
        Assert.Contains(manager.Name, error.Message);
        Assert.Throws<ObjectDisposedException>(() => first.Send(1));
    }

    [Fact]
    public async Task Pipe_UsedByAChildThenManagerDisposed_NoMemoryBlockStaysMapped()
    {
        string block;
        await using (var manager = await Manager.StartAsync(Runtime))
        {
            block = await UseAPipeWithAChild(manager);
        }
        var id = block[(block.LastIndexOf('_') + 1)..];

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.DoesNotContain($"actorparallel-{id}", File.ReadAllText("/proc/self/maps"));
    }

    private async Task<string> UseAPipeWithAChild(Manager manager)
    {
        var (parent, child) = manager.Pipe();
        var echo = Create(PipeTargets.EchoUntilNull, child);
        await echo.StartAsync();
        parent.Send(1);
        Assert.Equal(1, await parent.RecvAsync<int>().WaitAsync(Bound));
        parent.Send(null);
        await Joined(echo);
        Assert.Contains($"actorparallel-{parent.BlockName![(parent.BlockName!.LastIndexOf('_') + 1)..]}", File.ReadAllText("/proc/self/maps"));
        return parent.BlockName!;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
