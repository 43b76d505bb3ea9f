using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// Items, results and arguments of any size, over both links to local workers: the direct link (large
/// arrays out of band) and Akka.Remote (a message larger than a frame in segments).
/// </summary>
public sealed class PoolLargeValueTests : RuntimeFixture
{
    /// <summary>Sizes around every boundary: out of band, one segment, one message (half a frame).</summary>
    public static readonly TheoryData<int> Sizes =
    [
        0, 1,
        WireBlocks.MinOutOfBandBytes - 1, WireBlocks.MinOutOfBandBytes, WireBlocks.MinOutOfBandBytes + 1,
        WireSegments.SegmentBytes - 1, WireSegments.SegmentBytes, WireSegments.SegmentBytes + 1,
        2_000_000 - 1, 2_000_000 + 1,
        3 << 20,
    ];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task MapAsync_ItemsAndResultsOfEverySize_RoundTripByteExactOverTheDirectLink(int size)
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        await AssertRoundTripAsync(pool, size);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task MapAsync_ItemsAndResultsOfEverySize_RoundTripByteExactOverRemoting(int size)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });

        await AssertRoundTripAsync(pool, size);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task MapAsync_ItemsAndResultsOfEverySize_RoundTripByteExactOverRemotingInSegments(int size)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting, BulkLinks = false });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });

        await AssertRoundTripAsync(pool, size);
    }

    [Fact]
    public async Task MapAsync_LargeResultsOverRemoting_ComeOverABulkLink_AndInSegmentsWithoutOne()
    {
        await using var bulk = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting });
        await using var withBulk = bulk.CreatePool(new PoolOptions { Processes = 1 });
        await using var segmentsOnly = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting, BulkLinks = false });
        await using var withoutBulk = segmentsOnly.CreatePool(new PoolOptions { Processes = 1 });

        var before = BulkLinks.MessagesReceived;
        await AssertRoundTripAsync(withBulk, 8 << 20, items: 2);
        var received = BulkLinks.MessagesReceived - before;
        // Tests beside this one may receive over bulk links too: only "at least" can be said of this process's count.
        Assert.True(received >= 2, $"the two 8 MiB results came over {received} bulk transfers");

        var driverSegments = SegmentsReceived(segmentsOnly);
        await AssertRoundTripAsync(withoutBulk, 8 << 20, items: 2);
        Assert.True(SegmentsReceived(segmentsOnly) - driverSegments >= 2 * ((8 << 20) / WireSegments.SegmentBytes), "without bulk links the results did not come in segments");
        var workers = (await withBulk.WaitForWorkersAsync().WaitAsync(Bound)).Concat(await withoutBulk.WaitForWorkersAsync().WaitAsync(Bound)).ToList();
        Assert.Equal(2, workers.Count(OsProcesses.IsAlive));
        await withBulk.DisposeAsync().AsTask().WaitAsync(Bound);
        await withoutBulk.DisposeAsync().AsTask().WaitAsync(Bound);
        Assert.True(await OsProcesses.AllGoneWithin(workers, Bound), "a worker outlived its pool");
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task MapAsync_64MiBItemAndResult_RoundTripByteExact(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });

        await AssertRoundTripAsync(pool, 64 << 20, items: 2);
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task MapAndApply_FunctionReturnsTheArrayItReuses_EachResultHoldsWhatItsCallPutThere(WorkerLink link)
    {
        // The array (64 KiB) travels by reference, out of band: each result must be taken before the
        // function runs again and refills it (Python pickles a chunk's results when the chunk ends).
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        static int Held(byte[] result) => result.All(b => b == result[0]) ? result[0] : -1;

        var mapped = await pool.MapAsync(LargeValueTargets.FillReusedArray, Enumerable.Range(0, 48), chunkSize: 1).WaitAsync(Bound);
        var applied = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => pool.ApplyAsync(() => LargeValueTargets.FillReusedArray(i)))).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 48), mapped.Select(Held));
        Assert.Equal(Enumerable.Range(0, 32), applied.Select(Held));
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task ApplyAsync_LargeCapturedValueAndLargeResult_TravelWhole(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 1 });
        var values = Enumerable.Range(0, 1_000_000).Select(i => i * 0.5).ToArray();

        var sum = await pool.ApplyAsync(() => LargeValueTargets.Sum(values)).WaitAsync(Bound);
        var made = await pool.ApplyAsync(() => LargeValueTargets.MakePattern(5 << 20)).WaitAsync(Bound);

        Assert.Equal(values.Sum(), sum);
        Assert.Equal(LargeValueTargets.Pattern(5 << 20, 7), made);
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task WorkerProcess_100MiBArgument_ReachesTheTarget(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        var argument = LargeValueTargets.Pattern(100 << 20, 3);
        var path = Path.Combine(Scratch, $"checksum-{link}");
        var process = runtime.CreateProcess(new Action<byte[], string>(LargeValueTargets.WriteChecksum), argument, path);
        var expected = LargeValueTargets.Checksum(argument);

        await process.StartAsync().WaitAsync(Bound);
        // The process has its arguments as they were when it was made (it is sent them once it is up).
        Array.Fill(argument, (byte)0);
        await process.JoinAsync().WaitAsync(Bound);

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task SharedListAndDict_16MiBValuesFromAWorker_AreStoredAndReadBackWhole(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 1 });
        await using var manager = await Manager.StartAsync(runtime).WaitAsync(Bound);
        var list = manager.List<byte[]>();
        var dict = manager.Dict<string, byte[]>();

        var readInWorker = await pool.ApplyAsync(() => LargeValueTargets.StoreLarge(list, dict, 11)).WaitAsync(Bound);

        Assert.Equal(LargeValueTargets.Pattern(16 << 20, 11), Assert.Single(await list.ToListAsync().WaitAsync(Bound)));
        var (found, value) = await dict.TryGetAsync("big").WaitAsync(Bound);
        Assert.True(found);
        Assert.Equal(LargeValueTargets.Pattern(16 << 20, 12), value);
        Assert.Equal((LargeValueTargets.Checksum(LargeValueTargets.Pattern(16 << 20, 11)), LargeValueTargets.Checksum(LargeValueTargets.Pattern(16 << 20, 12))), readInWorker);
    }

    [Theory]
    [InlineData(WorkerLink.Direct)]
    [InlineData(WorkerLink.Remoting)]
    public async Task MapAsync_RecordsWithALargeTextAndLargeData_RoundTripExactly(WorkerLink link)
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = link });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        var documents = Enumerable.Range(0, 4).Select(i => new Document(new string((char)('a' + i), 300_000) + i, LargeValueTargets.Pattern(3 << 20, i))).ToArray();

        var reversed = await pool.MapAsync(LargeValueTargets.Reverse, documents, chunkSize: 2).WaitAsync(Bound);

        Assert.Equal(documents.Select(d => new string(d.Text.Reverse().ToArray())), reversed.Select(d => d.Text));
        Assert.All(documents.Zip(reversed), pair => Assert.Equal(LargeValueTargets.Invert(pair.First.Data), pair.Second.Data));
    }

    [Fact]
    public async Task MaxValueBytes_ItemResultAndApplyCallOverTheCap_FailNamingBothSizes_AndNothingElseIsLost()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxValueBytes = 1 << 20 });
        var over = new byte[(1 << 20) + 1];

        var item = await Assert.ThrowsAsync<MessageTooLargeException>(() => pool.MapAsync(LargeValueTargets.Checksum, [new byte[10], over]).WaitAsync(Bound));
        var apply = await Assert.ThrowsAsync<MessageTooLargeException>(() => pool.ApplyAsync(LengthOf(over)).WaitAsync(Bound));
        // Raised in the worker, rebuilt as its own type in the caller: one catch serves both sides.
        var result = await Assert.ThrowsAsync<MessageTooLargeException>(() => pool.MapAsync(LargeValueTargets.MakePattern, [10, (1 << 20) + 1, 20], chunkSize: 3).WaitAsync(Bound));
        var under = await pool.MapAsync(LargeValueTargets.MakePattern, [1 << 19, (1 << 20) - 64], chunkSize: 2).WaitAsync(Bound);

        Assert.Matches(@"^Item 1 of the map encodes to 1,048,5\d\d bytes, over the pool's cap of 1,048,576 bytes \(PoolOptions.MaxValueBytes\)", item.Message);
        Assert.Matches(@"^The apply call \(its function and what it captures\) encodes to 1,0\d\d,\d{3} bytes, over the pool's cap of 1,048,576 bytes \(PoolOptions.MaxValueBytes\)", apply.Message);
        var remote = Assert.IsType<RemoteException>(result.InnerException);
        Assert.Equal(typeof(MessageTooLargeException).FullName, remote.RemoteType);
        Assert.Equal(1, remote.ItemIndex);
        Assert.Matches(@"^Item 1 of the map: the result encodes to 1,048,5\d\d bytes, over the pool's cap of 1,048,576 bytes \(PoolOptions.MaxValueBytes\)\.$", result.Message);
        Assert.Equal([1 << 19, (1 << 20) - 64], under.Select(b => b.Length));
    }

    /// <summary>A call that captures <paramref name="value"/> alone.</summary>
    internal static Func<int> LengthOf(byte[] value) => () => value.Length;

    private static long SegmentsReceived(ParallelRuntime runtime) => WireSegments.Get(runtime.System).SegmentsReceived;

    private static async Task AssertRoundTripAsync(ActorParallel.Pool pool, int size, int items = 3)
    {
        var inputs = Enumerable.Range(0, items).Select(seed => LargeValueTargets.Pattern(size, seed)).ToArray();

        var inverted = await pool.MapAsync(LargeValueTargets.Invert, inputs, chunkSize: 1).WaitAsync(Bound);
        var checksums = await pool.MapAsync(LargeValueTargets.Checksum, inverted).WaitAsync(Bound);

        Assert.Equal(inputs.Length, inverted.Length);
        for (var index = 0; index < inputs.Length; index++)
        {
            Assert.Equal(LargeValueTargets.Invert(inputs[index]), inverted[index]);
        }
        Assert.Equal(inverted.Select(LargeValueTargets.Checksum), checksums);
    }
}
