using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.DistributedData;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>The shared-state server's dicts, without a cluster: the replicator is a probe.</summary>
public sealed class DictStoreTests : ReplicatorProbeTests
{
    private readonly DictStore _dicts;

    public DictStoreTests()
    {
        _dicts = new DictStore(Replicator.Ref, new ConfirmedWrites(Replicator.Ref, WriteLocal.Instance), Self, maxPayloadBytes: 10);
    }

    [Fact]
    public async Task Write_NewThenSameKey_ReportsExistedOnlySecondTimeAndStoresEach()
    {
        var first = _dicts.Write(new WriteDict("d", [1], [10]));
        var second = _dicts.Write(new WriteDict("d", [1], [11]));

        Assert.Equal(new DictWritten("d", false), first);
        Assert.Equal(new DictWritten("d", true), second);
        var update = await Replicator.ExpectMsgAsync<Update>();
        Assert.StartsWith("ap:dict:d:", update.Key.Id);
        await Replicator.ExpectMsgAsync<Update>();
        var page = _dicts.Read(new ReadDict("d", 0, [1]));
        Assert.Equal([11], page.Values.Single());
    }

    [Fact]
    public async Task Write_NullValue_RemovesEntry()
    {
        _dicts.Write(new WriteDict("d", [1], [10]));

        var removed = _dicts.Write(new WriteDict("d", [1], null));

        Assert.True(removed.Existed);
        Assert.Equal(0, _dicts.Read(new ReadDict("d", 0, null)).Total);
        await Replicator.ExpectMsgAsync<Update>();
        await Replicator.ExpectMsgAsync<Update>();
    }

    [Fact]
    public void Write_NullValueForMissingKey_WritesNothing()
    {
        var removed = _dicts.Write(new WriteDict("d", [1], null));

        Assert.False(removed.Existed);
        Replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Read_EntriesOverPayload_PagesInInsertionOrderWithAtLeastOne()
    {
        _dicts.Write(new WriteDict("d", [3], [0, 0, 0, 0]));
        _dicts.Write(new WriteDict("d", [1], [0, 0, 0, 0]));
        _dicts.Write(new WriteDict("d", [2], new byte[20]));

        var first = _dicts.Read(new ReadDict("d", 0, null));
        var big = _dicts.Read(new ReadDict("d", 2, null));

        // 5 + 5 bytes fill the 10-byte page; an entry bigger than a page still comes, alone.
        Assert.Equal(3, first.Total);
        Assert.Equal([[3], [1]], first.Keys.ToArray());
        Assert.Equal([[2]], big.Keys.ToArray());
    }

    [Fact]
    public void Read_MissingKey_ReturnsEmptyPageWithTotal()
    {
        _dicts.Write(new WriteDict("d", [1], [10]));

        var page = _dicts.Read(new ReadDict("d", 0, [9]));

        Assert.Equal(1, page.Total);
        Assert.Empty(page.Keys);
    }

    [Fact]
    public async Task Delete_KnownDict_DeletesEveryShardAndForgetsEntries()
    {
        _dicts.Write(new WriteDict("d", [1], [10]));
        await Replicator.ExpectMsgAsync<Update>();

        _dicts.Delete("d");

        var deleted = new List<string>();
        for (var shard = 0; shard < 16; shard++)
        {
            deleted.Add((await Replicator.ExpectMsgAsync<Delete>()).Key.Id);
        }
        Assert.Equal(Enumerable.Range(0, 16).Select(shard => DictStore.ShardKey("d", shard).Id), deleted);
        Assert.Equal(0, _dicts.Read(new ReadDict("d", 0, null)).Total);
    }

    [Fact]
    public void Delete_UnknownDict_TellsReplicatorNothing()
    {
        _dicts.Delete("never");

        Replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
