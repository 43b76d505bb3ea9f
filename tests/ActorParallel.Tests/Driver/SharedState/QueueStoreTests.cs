using System.Text;
using ActorParallel.Driver;
using ActorParallel.Protocol;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>The driver's queue store without processes: each request's replies are collected.</summary>
public sealed class QueueStoreTests
{
    private readonly QueueStore _store = new("manager-1");

    [Fact]
    public void Put_ResentBatch_IsAnsweredButNotStoredTwice()
    {
        _store.Create("q", 0, joinable: false);
        var put = new QueuePut("q", "w", 1, [Item("a"), Item("b")], 0);

        var first = Call(put);
        var resent = Call(put);

        Assert.Equal(new QueuePutDone("q", "w", 1), first);
        Assert.Equal(new QueuePutDone("q", "w", 1), resent);
        Assert.Equal(2, Assert.IsType<QueueState>(Call(new QueueStatus("q"))).Count);
    }

    [Fact]
    public void Put_BoundedQueueFull_TheRestWaitsForRoom_AndIsAnsweredWhenAllIsIn()
    {
        _store.Create("q", 2, joinable: false);
        object? answer = null;
        _store.Handle(new QueuePut("q", "w", 1, [Item("a"), Item("b"), Item("c")], 0), reply => answer = reply);
        Assert.Null(answer);

        var taken = Assert.IsType<QueueItems>(Call(Take("c1", "p1", 1, max: 1)));

        Assert.Equal(["a"], taken.Values.Select(Text));
        Assert.Equal(new QueuePutDone("q", "w", 1), answer);
        // 'a' counts as in the queue until its consumer says its code got it.
        Assert.Equal(3, Assert.IsType<QueueState>(Call(new QueueStatus("q"))).Count);
        Call(new QueueSettle("q", "c1", 1, 0));
        Assert.Equal(2, Assert.IsType<QueueState>(Call(new QueueStatus("q"))).Count);
    }

    [Fact]
    public void ProcessGone_ItemsSentAndNotHandedGoBackToTheFrontInOrder()
    {
        _store.Create("q", 0, joinable: false);
        Call(new QueuePut("q", "w", 1, [Item("a"), Item("b"), Item("c"), Item("d")], 0));
        Assert.IsType<QueueItems>(Call(Take("c1", "p1", 1, max: 3)));

        // The consumer reports one handed to its code; then its process dies.
        Assert.IsType<QueueItems>(Call(Take("c1", "p1", 2, max: 1, handed: 1)));
        _store.ProcessGone("p1");

        var rest = Assert.IsType<QueueItems>(Call(Take("c2", "p2", 1, max: 10)));
        Assert.Equal(["b", "c", "d"], rest.Values.Select(Text));
    }

    [Fact]
    public void Settle_UnreadItemsGoBackToTheFront()
    {
        _store.Create("q", 0, joinable: false);
        Call(new QueuePut("q", "w", 1, [Item("a"), Item("b"), Item("c")], 0));
        Call(Take("c1", "p1", 1, max: 3));

        Call(new QueueSettle("q", "c1", 1, 2));

        var again = Assert.IsType<QueueItems>(Call(Take("c2", "p2", 1, max: 10)));
        Assert.Equal(["b", "c"], again.Values.Select(Text));
    }

    [Fact]
    public void Join_WaitsUntilEveryItemHasItsTaskDone_ADeadConsumersItemsStayUnfinished()
    {
        _store.Create("q", 0, joinable: true);
        Call(new QueuePut("q", "w", 1, [Item("a"), Item("b")], 0));
        Call(Take("c1", "p1", 1, max: 2));
        object? joined = null;
        _store.Handle(new QueueJoin("q"), reply => joined = reply);

        Call(new QueuePut("q", "c1", 1, [], 1));
        _store.ProcessGone("p1");
        Assert.Null(joined);
        var back = Assert.IsType<QueueItems>(Call(Take("c2", "p2", 1, max: 5)));
        Call(new QueuePut("q", "c2", 1, [], 1));

        Assert.Equal(["b"], back.Values.Select(Text));
        Assert.Equal(new QueueAck("q"), joined);
    }

    [Fact]
    public void Take_PipeWhoseOtherEndsProcessIsGone_EndsAfterWhatWasSent()
    {
        _store.CreatePipe("to-1", "to-2");
        Call(new QueueTake("to-2", "c2", "p2", 1, 1, 0, 0));
        Call(new QueuePut("to-1", "w2", 1, [Item("last")], 0));

        _store.ProcessGone("p2");

        Assert.Equal(["last"], Assert.IsType<QueueItems>(Call(new QueueTake("to-1", "c1", "p1", 1, 1, -1, 0))).Values.Select(Text));
        Assert.Equal(new QueueEnded("to-1", 2), Call(new QueueTake("to-1", "c1", "p1", 2, 1, -1, 0)));
    }

    [Fact]
    public void Handle_AfterDispose_AnswersManagerDisposed_AndWaitersHearItToo()
    {
        _store.Create("q", 0, joinable: false);
        object? waiting = null;
        _store.Handle(Take("c1", "p1", 1, max: 1, timeoutMs: -1), reply => waiting = reply);

        _store.Dispose();

        Assert.Equal(new ManagerDisposed("manager-1", "q"), waiting);
        Assert.Equal(new ManagerDisposed("manager-1", "q"), Call(new QueueStatus("q")));
    }

    private static QueueTake Take(string consumer, string address, long id, int max, int handed = 0, long timeoutMs = 0) =>
        new("q", consumer, address, id, max, timeoutMs, handed);

    private object? Call(IQueueRequest request)
    {
        object? answer = null;
        _store.Handle(request, reply => answer = reply);
        return answer;
    }

    private static byte[] Item(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
