using ActorParallel.Serialization;
using ActorParallel.Tests.Support;
using ActorParallel.Workers;

namespace ActorParallel.Tests.Worker.SharedState;

/// <summary>
/// The writers' resend and failure paths, against the driver's real host: a channel that loses
/// replies (the request reaches the host, the answer does not reach the writer) or cannot reach it.
/// </summary>
public sealed class HostWriterTests : RuntimeFixture
{
    [Fact]
    public async Task ListWriter_RepliesLost_ResendsAndTheHostStoresEachElementOnce()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var channel = new LosingChannel(AkkaSharedChannel.Get(Runtime.System), losses: 3);
        var writer = new SharedStateNode(channel).ListWriter(manager.HostPath, list.Name);

        for (var i = 0; i < 500; i++)
        {
            writer.Append(ValueCodec.Encode(i, "an element"));
        }
        await writer.FlushAsync().WaitAsync(Bound);

        Assert.Equal(0, channel.LossesLeft);
        Assert.Equal(Enumerable.Range(0, 500), await list.ToListAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task ValueWriter_RepliesLost_ResendsAndTheHostAppliesEachAdditionOnce()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var value = manager.Value<long>();
        var channel = new LosingChannel(AkkaSharedChannel.Get(Runtime.System), losses: 2);
        var writer = new SharedStateNode(channel).ValueWriter(manager.HostPath, value.Name);

        for (var i = 0; i < 300; i++)
        {
            writer.Add(1, 0, null);
        }
        await writer.FlushAsync().WaitAsync(Bound);

        Assert.Equal(0, channel.LossesLeft);
        Assert.Equal(300, await value.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task ListWriter_HostCannotBeReached_AppendAndFlushFailNamingTheList_AndLaterWritesFailToo()
    {
        var writer = new SharedStateNode(new UnreachableChannel()).ListWriter("akka.tcp://gone@127.0.0.1:1/user/host", "orders");
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        writer.Append(ValueCodec.Encode(1, "an element"), acknowledged);
        var appendError = await Assert.ThrowsAsync<InvalidOperationException>(() => acknowledged.Task.WaitAsync(Bound));
        var flushError = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.FlushAsync().WaitAsync(Bound));

        Assert.Contains("Shared list 'orders'", appendError.Message);
        Assert.Contains("cannot be reached", appendError.Message);
        Assert.Same(appendError, flushError);
    }

    /// <summary>Passes requests to the real host, but for the first <c>losses</c> requests throws a timeout instead of returning the host's reply.</summary>
    private sealed class LosingChannel(ISharedChannel inner, int losses) : ISharedChannel
    {
        private int _losses = losses;

        public int LossesLeft => Math.Max(0, Volatile.Read(ref _losses));

        public string Address => inner.Address;

        public int MaxPayloadBytes => 2_000;

        public void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply) =>
            inner.Ask(hostPath, request, timeout, (reply, error) =>
            {
                if (error is null && Interlocked.Decrement(ref _losses) >= 0)
                {
                    onReply(null, new TimeoutException("The reply was lost on the way."));
                    return;
                }
                onReply(reply, error);
            });
    }

    private sealed class UnreachableChannel : ISharedChannel
    {
        public string Address => "nowhere";

        public int MaxPayloadBytes => 2_000;

        public void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply) =>
            onReply(null, new InvalidOperationException($"The driver's shared-state host at {hostPath} cannot be reached."));
    }
}
