using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Memory;

/// <summary>Shared memory across real worker processes: writes seen after join, atomics, the lock and its holder's death.</summary>
public sealed class SharedMemoryProcessTests : RuntimeFixture
{
    [Fact]
    public async Task Indexer_TwoProcessesFillHalves_DriverAndAThirdProcessSeeEveryWriteAfterJoin()
    {
        const int Length = 200_000;
        using var array = new SynchronizedArray<double>(Length);
        var fillers = new[] { Create(SharedMemoryTargets.FillHalf, array, 0, Length / 2), Create(SharedMemoryTargets.FillHalf, array, Length / 2, Length) };

        await StartAndJoinAll(fillers);
        var checker = Create(SharedMemoryTargets.CheckFilled, array);
        await StartAndJoinAll([checker]);

        Assert.All(fillers, p => Assert.Equal(0, p.ExitCode));
        Assert.True(checker.ExitCode == 0, $"the checker saw: {checker.Exception?.Message}");
        Assert.Equal(Enumerable.Range(0, Length).Select(i => i * 0.5), array.ToArray());
    }

    [Fact]
    public async Task Add_TwoProcessesMillionEach_ExactlyTwoMillion()
    {
        using var counter = new RawValue<long>();
        using var halves = new SynchronizedArray<double>(1);
        var adders = Enumerable.Range(0, 2).Select(_ => Create(SharedMemoryTargets.AddOnes, counter, halves, 1_000_000)).ToList();

        await StartAndJoinAll(adders);

        Assert.All(adders, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(2_000_000L, counter.Value);
        Assert.Equal(1_000_000.0, halves[0]);
    }

    [Fact]
    public async Task Lock_ThreeProcessesReadModifyWrite_NoOverlapAndNoLostUpdate()
    {
        using var gate = new SharedMemoryLock();
        using var total = new RawValue<long>();
        using var inside = new RawValue<int>();
        using var overlaps = new RawValue<int>();
        var workers = Enumerable.Range(0, 3).Select(_ => Create(SharedMemoryTargets.IncrementUnderLock, gate, total, inside, overlaps, 100_000)).ToList();

        await StartAndJoinAll(workers);

        Assert.All(workers, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(0, overlaps.Value);
        Assert.Equal(300_000L, total.Value);
    }

    [Fact]
    public async Task Lock_HolderSigkilled_AnotherProcessAndTheDriverGetIt()
    {
        using var array = new SynchronizedArray<int>(4);
        var gate = array.GetLock();
        using var holder = new RawValue<int>();
        using var got = new RawValue<int>();
        var owner = Create(SharedMemoryTargets.HoldForever, gate, holder);
        await owner.StartAsync();
        await WaitUntil(() => holder.Value != 0, "the holder to take the lock");
        Assert.False(gate.TryAcquire(TimeSpan.Zero), "the driver got a lock a live process holds");

        owner.Kill();
        await Joined(owner);
        var waiter = Create(SharedMemoryTargets.TryTake, gate, got, 30);
        await StartAndJoinAll([waiter]);
        var driverGotIt = gate.TryAcquire(TimeSpan.FromSeconds(30));
        array[0] = 7;   // the indexer takes the same lock again (recursive) on this thread
        gate.Release();

        Assert.Equal(-9, owner.ExitCode);
        Assert.Equal(holder.Value, owner.Pid);
        Assert.Equal(1, got.Value);
        Assert.True(driverGotIt);
        Assert.Equal(7, array[0]);
    }

    [Fact]
    public async Task Attach_ByNameInAWorker_WritesTheDriversBlock()
    {
        using var block = new SharedMemory(4096);
        var writer = Create(SharedMemoryTargets.WriteByName, block.Name, (byte)42);

        await StartAndJoinAll([writer]);

        Assert.Equal(0, writer.ExitCode);
        Assert.All(block.AsSpan().ToArray(), b => Assert.Equal(42, b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MapAsync_FunctionCapturingAnArray_WorkersWriteAndReadTheSamePages(bool remotingLink)
    {
        await using var runtime = remotingLink
            ? ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting })
            : null;
        await using var pool = (runtime ?? Runtime).CreatePool(new PoolOptions { Processes = 2 });
        using var squares = new RawArray<long>(1_000);
        using var pids = new RawArray<int>(1_000);

        var written = await WriteSquares(pool, squares, pids).WaitAsync(Bound);
        var sums = await SumSlices(pool, squares).WaitAsync(Bound);

        Assert.Equal(1_000, written);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (long)i * i), squares.ToArray());
        Assert.DoesNotContain(Environment.ProcessId, pids.ToArray());
        Assert.Equal(Enumerable.Range(0, 1_000).Sum(i => (long)i * i), sums.Sum());
    }

    private static async Task<int> WriteSquares(ActorParallel.Pool pool, RawArray<long> squares, RawArray<int> pids) =>
        (await pool.MapAsync((int i) =>
        {
            squares[i] = (long)i * i;
            pids[i] = Environment.ProcessId;
            return 1;
        }, Enumerable.Range(0, 1_000), chunkSize: 50)).Sum();

    private static Task<long[]> SumSlices(ActorParallel.Pool pool, RawArray<long> squares) =>
        pool.MapAsync((int k) =>
        {
            var sum = 0L;
            foreach (var x in squares.AsSpan(k * 100, 100))
            {
                sum += x;
            }
            return sum;
        }, Enumerable.Range(0, 10), chunkSize: 1);

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(5);
        }
    }
}
