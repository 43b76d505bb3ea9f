using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.DistributedData;
using Akka.TestKit;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>Acknowledgements under each write consistency, without a cluster: the replicator is a probe that answers by hand.</summary>
public sealed class ConfirmedWritesTests : ReplicatorProbeTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private readonly TestProbe _writer;

    public ConfirmedWritesTests()
    {
        _writer = CreateTestProbe();
    }

    [Fact]
    public async Task Acknowledge_WriteLocal_RepliesAtOnceAndWritesLocally()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, WriteLocal.Instance);

        writes.Begin(_writer.Ref);
        Increment(writes, "v");
        writes.Acknowledge("done");

        await _writer.ExpectMsgAsync("done");
        Assert.IsType<WriteLocal>((await Replicator.ExpectMsgAsync<Update>()).Consistency);
    }

    [Fact]
    public async Task Acknowledge_Majority_RepliesOnlyAfterEveryUpdateConfirmed()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, new WriteMajority(TimeSpan.FromSeconds(1)));

        writes.Begin(_writer.Ref);
        Increment(writes, "a");
        Increment(writes, "b");
        writes.Acknowledge("done");
        var first = await Replicator.ExpectMsgAsync<Update>();
        var second = await Replicator.ExpectMsgAsync<Update>();

        Assert.True(writes.Handle(new UpdateSuccess(first.Key, first.Request)));
        await _writer.ExpectNoMsgAsync(Quiet);
        Assert.True(writes.Handle(new UpdateSuccess(second.Key, second.Request)));
        await _writer.ExpectMsgAsync("done");
    }

    [Fact]
    public async Task Acknowledge_MajorityWithoutUpdates_RepliesAtOnce()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, new WriteMajority(TimeSpan.FromSeconds(1)));

        writes.Begin(_writer.Ref, ("v", "w1"));
        writes.Acknowledge("nothing new");

        await _writer.ExpectMsgAsync("nothing new");
    }

    [Fact]
    public async Task Handle_UpdateTimeout_PushesSameKeyAgainAndWaits()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, new WriteMajority(TimeSpan.FromSeconds(1)));
        writes.Begin(_writer.Ref);
        Increment(writes, "v");
        writes.Acknowledge("done");
        var update = await Replicator.ExpectMsgAsync<Update>();

        Assert.True(writes.Handle(new UpdateTimeout(update.Key, update.Request)));

        var again = await Replicator.ExpectMsgAsync<Update>();
        Assert.Equal(update.Key, again.Key);
        Assert.Equal(update.Request, again.Request);
        await _writer.ExpectNoMsgAsync(Quiet);
        writes.Handle(new UpdateSuccess(again.Key, again.Request));
        await _writer.ExpectMsgAsync("done");
    }

    [Fact]
    public async Task Acknowledge_ResendWhileOriginalUnconfirmed_AnsweredWhenOriginalIs()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, new WriteMajority(TimeSpan.FromSeconds(1)));
        var resender = CreateTestProbe();
        writes.Begin(_writer.Ref, ("v", "w1"));
        Increment(writes, "v");
        writes.Acknowledge("original");
        var update = await Replicator.ExpectMsgAsync<Update>();

        // The writer's resend changes nothing (its operation applied already), so it has no updates of its own.
        writes.Begin(resender.Ref, ("v", "w1"));
        writes.Acknowledge("resent");
        await resender.ExpectNoMsgAsync(Quiet);
        writes.Handle(new UpdateSuccess(update.Key, update.Request));

        await _writer.ExpectMsgAsync("original");
        await resender.ExpectMsgAsync("resent");
    }

    [Fact]
    public void Handle_OtherMessage_ReturnsFalse()
    {
        var writes = new ConfirmedWrites(Replicator.Ref, WriteLocal.Instance);

        Assert.False(writes.Handle("not an update response"));
    }

    private static void Increment(ConfirmedWrites writes, string name) =>
        writes.Update(SharedKeys.Value(name), PNCounter.Empty, counter => counter.Increment(Self, 1));
}
