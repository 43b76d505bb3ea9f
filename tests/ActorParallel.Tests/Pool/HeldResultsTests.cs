using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>Results of chunks that finished are not held back by a later chunk of the same batch that runs long.</summary>
public sealed class HeldResultsTests : RuntimeFixture
{
    [Fact]
    public async Task IMap_AnItemThatNeverReturns_TheQuickItemsBeforeItInTheSameBatchArriveAllTheSame()
    {
        // One worker: items 0-4 travel with item 5 in a batch, finish in microseconds, and were sent only
        // when the batch ended (never) or half a millisecond had passed since the last results.
        Assert.Equal([0, 1, 2, 3, 4], await FirstFiveOnOneWorker(PoolTargets.HangOnFive));
    }

    [Fact]
    public async Task IMap_ItemsOfATenthOfTheHoldBeforeOneThatNeverReturns_EveryOneArrives()
    {
        // Results sent every half millisecond meanwhile, and the last ones added after the timer was armed:
        // it must look again for those (a clean-clone run lost item 4 this way).
        Assert.Equal([0, 1, 2, 3, 4], await FirstFiveOnOneWorker(PoolTargets.SpinThenHangOnFive));
    }

    /// <summary>The first five results of <c>IMap</c> over 0..99 with <paramref name="function"/> on a pool of one worker, within the bound.</summary>
    private async Task<List<int>> FirstFiveOnOneWorker(Func<int, int> function)
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        using var bound = new CancellationTokenSource(Bound);
        var got = new List<int>();
        await foreach (var result in pool.IMap(function, Enumerable.Range(0, 100)).WithCancellation(bound.Token))
        {
            got.Add(result);
            if (got.Count == 5)
            {
                break;
            }
        }
        return got;
    }

    [Fact]
    public async Task MapAsync_ChunksOfManyQuickItems_EveryResultArrivesOnceAndInOrder()
    {
        // The timer that sends held results shares them with the compute thread: nothing lost, nothing twice.
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var squares = await pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 400), chunkSize: 1).WaitAsync(Bound);
        var quick = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 20_000), chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 400).Select(PoolTargets.Square), squares);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(PoolTargets.Square), quick);
    }
}
