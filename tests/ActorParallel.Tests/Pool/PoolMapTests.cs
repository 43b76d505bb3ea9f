using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>One pool of two workers shared by the semantic tests: none of them breaks it.</summary>
public sealed class SharedPoolFixture : RuntimeFixture
{
    public SharedPoolFixture() => Pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

    public ActorParallel.Pool Pool { get; }
}

/// <summary>Map semantics, in the spirit of CPython's own <c>_TestPool</c> cases.</summary>
public sealed class PoolMapTests(SharedPoolFixture fixture) : IClassFixture<SharedPoolFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ActorParallel.Pool _pool = fixture.Pool;

    [Fact]
    public async Task MapAsync_Squares_ResultsInInputOrder()
    {
        var results = await _pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 10)).WaitAsync(Bound);

        Assert.Equal([0, 1, 4, 9, 16, 25, 36, 49, 64, 81], results);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task MapAsync_WithChunkSize_SameResultsAsSequential(int chunkSize)
    {
        var input = Enumerable.Range(-500, 2_345).ToList();

        var results = await _pool.MapAsync(PoolTargets.Square, input, chunkSize).WaitAsync(Bound);

        Assert.Equal(input.Select(PoolTargets.Square), results);
    }

    [Fact]
    public async Task MapAsync_EmptyInput_ReturnsEmpty()
    {
        var results = await _pool.MapAsync(PoolTargets.Square, Array.Empty<int>()).WaitAsync(Bound);

        Assert.Empty(results);
    }

    [Fact]
    public async Task MapAsync_ClosureOverLocal_ShipsTheCapturedValue()
    {
        var factor = 3;
        var offset = "x";

        var results = await _pool.MapAsync((int x) => $"{offset}{x * factor}", Enumerable.Range(0, 5)).WaitAsync(Bound);

        Assert.Equal(["x0", "x3", "x6", "x9", "x12"], results);
    }

    [Fact]
    public async Task StarMapAsync_Pairs_UnpacksIntoArguments()
    {
        var pairs = Enumerable.Range(0, 20).Select(i => (i, 10 * i)).ToList();

        var results = await _pool.StarMapAsync(PoolTargets.Add, pairs).WaitAsync(Bound);

        Assert.Equal(pairs.Select(p => p.Item1 + p.Item2), results);
    }

    [Fact]
    public async Task MapAsync_ResultsOfArraysAndTuples_ComeBackExactly()
    {
        var arrays = await _pool.MapAsync((int x) => x % 3 == 0 ? null : new long[] { x, -x }, Enumerable.Range(0, 30), chunkSize: 4).WaitAsync(Bound);
        var tuples = await _pool.MapAsync((int x) => (x, x.ToString(), x % 2 == 0), Enumerable.Range(0, 30), chunkSize: 4).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 30).Select(x => x % 3 == 0 ? null : new long[] { x, -x }), arrays);
        Assert.Equal(Enumerable.Range(0, 30).Select(x => (x, x.ToString(), x % 2 == 0)), tuples);
    }

    [Fact]
    public async Task ApplyAsync_OneCall_ReturnsItsResultFromAWorker()
    {
        var pid = await _pool.ApplyAsync(() => Environment.ProcessId).WaitAsync(Bound);

        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains(pid, await _pool.GetWorkerPidsAsync());
    }

    [Fact]
    public async Task IMap_Generator_StreamsResultsInOrder()
    {
        var results = new List<int>();
        await foreach (var value in _pool.IMap(PoolTargets.Square, Generate(1_000), chunkSize: 3).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            results.Add(value);
        }

        Assert.Equal(Enumerable.Range(0, 1_000).Select(PoolTargets.Square), results);
    }

    [Fact]
    public async Task IMap_AsyncInput_StreamsResultsInOrder()
    {
        var results = new List<int>();
        await foreach (var value in _pool.IMap(PoolTargets.Square, GenerateAsync(100), chunkSize: 4).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            results.Add(value);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), results);
    }

    [Fact]
    public async Task IMapUnordered_Generator_SameMultisetOfResults()
    {
        var results = new List<int>();
        await foreach (var value in _pool.IMapUnordered(PoolTargets.SlowSquare, Generate(60)).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            results.Add(value);
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(PoolTargets.Square).Order(), results.Order());
    }

    [Fact]
    public async Task IMap_EndlessInputStoppedEarly_ReadsOnlyABoundedPrefix()
    {
        var read = 0;
        var taken = new List<int>();
        await foreach (var value in _pool.IMap(PoolTargets.Square, Endless(() => read++), chunkSize: 10).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            taken.Add(value);
            if (taken.Count == 50)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(PoolTargets.Square), taken);
        Assert.InRange(read, 50, 200_000);
    }

    [Fact]
    public async Task MapAsync_FunctionThrows_ItsExceptionTypeWithItemIndexAndPoolStaysUsable()
    {
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _pool.MapAsync(PoolTargets.ThrowOnSeven, Enumerable.Range(0, 20), chunkSize: 3).WaitAsync(Bound));

        Assert.Equal("seven is not allowed (7)", thrown.Message);
        Assert.Equal(7, thrown.Data[RemoteException.ItemIndexKey]);
        var error = Assert.IsType<RemoteException>(thrown.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal("seven is not allowed (7)", error.RemoteMessage);
        Assert.Equal(7, error.ItemIndex);
        Assert.Contains("Item 7 of the map", error.Message);
        Assert.Contains(nameof(PoolTargets.ThrowOnSeven), error.RemoteStackTrace);
        Assert.Equal(new[] { 0, 1, 4 }, await _pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_Cancelled_ThrowsAndPoolStaysUsable()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new Progress<MapProgress>(p =>
        {
            if (p.Done >= 20)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 2_000), chunkSize: 1, progress, cancellationToken: cancel.Token).WaitAsync(Bound));

        Assert.Equal(new[] { 0, 1, 4 }, await _pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_TokenCancelledBeforeStart_ThrowsAtOnce()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _pool.MapAsync(PoolTargets.Square, [1, 2, 3], cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task MapAsync_Progress_ReportsAllItemsDone()
    {
        var last = new MapProgress(0, null);
        var progress = new SynchronousProgress(p => last = p);

        await _pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100), chunkSize: 10, progress).WaitAsync(Bound);

        Assert.Equal((100L, (long?)100), (last.Done, last.Total));
        Assert.True(last.Elapsed > TimeSpan.Zero && last.Rate > 0, $"elapsed {last.Elapsed}, rate {last.Rate}");
        Assert.Equal(TimeSpan.Zero, last.Eta);
    }

    [Fact]
    public void MapProgress_RateAndEta_FromDoneTotalAndElapsed()
    {
        var quarter = new MapProgress(25, 100) { Elapsed = TimeSpan.FromSeconds(5) };

        Assert.Equal(5.0, quarter.Rate);
        Assert.Equal(TimeSpan.FromSeconds(15), quarter.Eta);
        Assert.Null((quarter with { Total = null }).Eta);
        Assert.Null(new MapProgress(0, 100) { Elapsed = TimeSpan.FromSeconds(1) }.Eta);
        Assert.Equal(0, new MapProgress(3, 10).Rate);
    }

    [Fact]
    public async Task MapAsync_ChunkSizeZero_ThrowsArgumentOutOfRange()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _pool.MapAsync(PoolTargets.Square, [1], chunkSize: 0));
    }

    [Fact]
    public async Task MapAsync_UnshippableItem_NamesTheTypeAndPoolStaysUsable()
    {
        var streams = new[] { new MemoryStream() };

        var error = await Assert.ThrowsAsync<NotShippableException>(() => _pool.MapAsync((MemoryStream s) => s.Length, streams).WaitAsync(Bound));

        Assert.Contains("MemoryStream", error.Message);
        Assert.Equal(new[] { 0, 1, 4 }, await _pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task MapAsync_ItemAndResultLargerThanAMessage_TravelWhole()
    {
        var huge = new string('h', 3_000_000);

        var lengths = await _pool.MapAsync(PoolTargets.Length, ["small", huge]).WaitAsync(Bound);
        var strings = await _pool.MapAsync(PoolTargets.Repeat, [1, 3_000_000]).WaitAsync(Bound);

        Assert.Equal([5, 3_000_000], lengths);
        Assert.Equal(["r", new string('r', 3_000_000)], strings);
    }

    [Fact]
    public async Task MapAsync_ChunkLargerThanAMessageButItemsSmall_IsSplitAndWorks()
    {
        var lengths = Enumerable.Repeat(400_000, 12).ToArray();

        var strings = await _pool.MapAsync(PoolTargets.Repeat, lengths, chunkSize: 12).WaitAsync(Bound);
        var back = await _pool.MapAsync(PoolTargets.Length, strings, chunkSize: 12).WaitAsync(Bound);

        Assert.Equal(lengths, back);
    }

    private static IEnumerable<int> Generate(int n)
    {
        for (var i = 0; i < n; i++)
        {
            yield return i;
        }
    }

    private static async IAsyncEnumerable<int> GenerateAsync(int n)
    {
        for (var i = 0; i < n; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static IEnumerable<int> Endless(Func<int> next)
    {
        while (true)
        {
            yield return next();
        }
    }

    private sealed class SynchronousProgress(Action<MapProgress> report) : IProgress<MapProgress>
    {
        public void Report(MapProgress value) => report(value);
    }
}
