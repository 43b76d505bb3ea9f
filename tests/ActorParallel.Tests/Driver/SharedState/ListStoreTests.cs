using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.DistributedData;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>The shared-state server's lists, without a cluster: the replicator is a probe.</summary>
public sealed class ListStoreTests : ReplicatorProbeTests
{
    private readonly ListStore _lists;

    public ListStoreTests()
    {
        _lists = new ListStore(Replicator.Ref, new ConfirmedWrites(Replicator.Ref, WriteLocal.Instance), Self, maxPayloadBytes: 10);
    }

    [Fact]
    public async Task Append_AcrossSegmentBoundary_StoresEachTouchedSegment()
    {
        _lists.Append("l", Enumerable.Range(0, SharedKeys.SegmentSize + 2).Select(i => new byte[] { (byte)i }).ToArray());

        var first = await Replicator.ExpectMsgAsync<Update>();
        var second = await Replicator.ExpectMsgAsync<Update>();
        Assert.Equal(SharedKeys.ListSegment("l", 0).Id, first.Key.Id);
        Assert.Equal(SharedKeys.ListSegment("l", 1).Id, second.Key.Id);
        Assert.Equal(SharedKeys.SegmentSize + 2, _lists.Read(new ReadList("l", 0)).Total);
    }

    [Fact]
    public void Read_ElementsOverPayload_PagesFromPositionWithAtLeastOne()
    {
        _lists.Append("l", [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3], new byte[20]]);

        var first = _lists.Read(new ReadList("l", 0));
        var second = _lists.Read(new ReadList("l", 2));
        var big = _lists.Read(new ReadList("l", 3));
        var past = _lists.Read(new ReadList("l", 99));

        Assert.Equal([[1, 1, 1, 1], [2, 2, 2, 2]], first.Values.ToArray());
        Assert.Equal([[3, 3, 3]], second.Values.ToArray());
        Assert.Single(big.Values);
        Assert.Equal(4, past.From);
        Assert.Empty(past.Values);
    }

    [Fact]
    public void Edit_PopNegativeIndex_RemovesFromEndAndAnswersIt()
    {
        _lists.Append("l", [[1], [2], [3]]);

        var popped = _lists.Edit(new EditList("l", ListEditKind.Pop, -1, null));

        Assert.Equal(new ListEdited("l", ListEditOutcome.Done, 2, popped.Value), popped);
        Assert.Equal([3], popped.Value);
        Assert.Equal([[1], [2]], _lists.Read(new ReadList("l", 0)).Values.ToArray());
    }

    [Fact]
    public void Edit_SetOutOfRange_AnswersIndexOutOfRangeAndChangesNothing()
    {
        _lists.Append("l", [[1]]);

        var edited = _lists.Edit(new EditList("l", ListEditKind.Set, 1, [9]));

        Assert.Equal(ListEditOutcome.IndexOutOfRange, edited.Outcome);
        Assert.Equal([[1]], _lists.Read(new ReadList("l", 0)).Values.ToArray());
    }

    [Fact]
    public void Edit_SetInRange_ReplacesAndAnswersOld()
    {
        _lists.Append("l", [[1], [2]]);

        var edited = _lists.Edit(new EditList("l", ListEditKind.Set, 0, [9]));

        Assert.Equal([1], edited.Value);
        Assert.Equal([[9], [2]], _lists.Read(new ReadList("l", 0)).Values.ToArray());
    }

    [Fact]
    public void Edit_RemoveMissingThenPresent_NotFoundThenRemovesFirstEqual()
    {
        _lists.Append("l", [[1], [2], [1]]);

        var missing = _lists.Edit(new EditList("l", ListEditKind.Remove, 0, [7]));
        var removed = _lists.Edit(new EditList("l", ListEditKind.Remove, 0, [1]));

        Assert.Equal(new ListEdited("l", ListEditOutcome.NotFound, 3, null), missing);
        Assert.Equal(new ListEdited("l", ListEditOutcome.Done, 2, null), removed);
        Assert.Equal([[2], [1]], _lists.Read(new ReadList("l", 0)).Values.ToArray());
    }

    [Fact]
    public void Edit_Clear_EmptiesList()
    {
        _lists.Append("l", [[1], [2]]);

        var cleared = _lists.Edit(new EditList("l", ListEditKind.Clear, 0, null));

        Assert.Equal(new ListEdited("l", ListEditOutcome.Done, 0, null), cleared);
        Assert.Equal(0, _lists.Read(new ReadList("l", 0)).Total);
    }

    [Fact]
    public async Task Delete_KnownList_DeletesEachSegmentItUsed()
    {
        _lists.Append("l", Enumerable.Range(0, SharedKeys.SegmentSize + 1).Select(_ => new byte[] { 1 }).ToArray());
        await Replicator.ExpectMsgAsync<Update>();
        await Replicator.ExpectMsgAsync<Update>();

        _lists.Delete("l");

        Assert.Equal(SharedKeys.ListSegment("l", 0).Id, (await Replicator.ExpectMsgAsync<Delete>()).Key.Id);
        Assert.Equal(SharedKeys.ListSegment("l", 1).Id, (await Replicator.ExpectMsgAsync<Delete>()).Key.Id);
        await Replicator.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, _lists.Read(new ReadList("l", 0)).Total);
    }
}
