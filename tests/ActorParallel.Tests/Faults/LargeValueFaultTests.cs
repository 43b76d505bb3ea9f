using ActorParallel.Tests.Support;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// Large values under faults and at the largest sizes: a worker killed while it receives a 256 MiB item,
/// and a 1 GiB item and result. Alone in the fault collection: they move gigabytes and measure the
/// driver's managed memory.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class LargeValueFaultTests(ITestOutputHelper output) : RuntimeFixture(systemName: "large-value-faults")
{
    [Fact]
    public async Task Worker_SigkilledWhileReceivingA256MiBItem_ChunkRunsElsewhere_ResultExact_NothingLeaks()
    {
        var tally = new Tally(output, "a worker killed while receiving 256 MiB");
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var items = Enumerable.Range(0, 2).Select(seed => LargeValueTargets.Pattern(256 << 20, seed)).ToArray();
        var expected = items.Select(LargeValueTargets.Checksum).ToArray();
        await pool.MapAsync(LargeValueTargets.Checksum, [new byte[10]]).WaitAsync(Bound);
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var baseline = workers.ToDictionary(pid => pid, OsProcesses.ResidentBytes);
        var killed = Task.Factory.StartNew(() =>
        {
            // Kill the first worker whose memory shows that part of an item arrived: the array it reads
            // into takes memory page by page as the bytes come in. Watched without pause, on a thread of its own.
            var deadline = Environment.TickCount64 + (long)Bound.TotalMilliseconds;
            while (Environment.TickCount64 < deadline)
            {
                foreach (var pid in workers)
                {
                    var grown = OsProcesses.ResidentBytes(pid) - baseline[pid];
                    if (grown > (16 << 20))
                    {
                        OsProcesses.KillQuietly(pid);
                        return (pid, grown);
                    }
                }
            }
            throw new TimeoutException("No worker started receiving an item.");
        }, TaskCreationOptions.LongRunning);

        var checksums = await pool.MapAsync(LargeValueTargets.Checksum, items, chunkSize: 1).WaitAsync(Bound);
        var (victim, grownAtKill) = await killed.WaitAsync(Bound);
        var after = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var onOs = OsProcesses.WorkersOfSystem("large-value-faults");
        items = [];
        var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        tally["MiB grown in the victim at the kill"] = (int)(grownAtKill >> 20);
        tally["managed MiB before"] = (int)(managedBefore >> 20);
        tally["managed MiB after, items dropped"] = (int)(managedAfter >> 20);
        tally.Report();

        Assert.Equal(expected, checksums);
        Assert.True(grownAtKill < (256L << 20), $"the worker was killed after its item had arrived ({grownAtKill >> 20} MiB), not while receiving it");
        Assert.True(await OsProcesses.AllGoneWithin([victim], TimeSpan.FromSeconds(5)), "the killed worker is still alive");
        Assert.DoesNotContain(victim, after);
        Assert.Equal(2, after.Count);
        Assert.Equal(after.Order(), onOs.Order());
        // The driver holds nothing of the transfer once the map is done and its items are dropped.
        Assert.True(managedAfter < managedBefore + (64 << 20), $"driver's managed memory {managedBefore >> 20} -> {managedAfter >> 20} MiB");
    }

    [Fact]
    public async Task OneGiBItemAndResult_RoundTripByteExact()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        var item = LargeValueTargets.Pattern(1 << 30, 9);

        var inverted = await pool.MapAsync(LargeValueTargets.Invert, [item]).WaitAsync(Bound);

        var expected = LargeValueTargets.Invert(item);
        Assert.True(expected.AsSpan().SequenceEqual(Assert.Single(inverted)), "the 1 GiB result differs");
    }

    [Fact]
    public async Task WorkerProcess_1200MiBArgument_ReachesTheTarget_ItsWorkerNotGivenUpMidFrame()
    {
        var argument = LargeValueTargets.Pattern(1200 << 20, 4);
        var path = Path.Combine(Scratch, "checksum-1200");
        var process = Runtime.CreateProcess(new Action<byte[], string>(LargeValueTargets.WriteChecksum), argument, path);

        await process.StartAsync().WaitAsync(Bound);
        await process.JoinAsync().WaitAsync(Bound);

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(LargeValueTargets.Checksum(argument).ToString(System.Globalization.CultureInfo.InvariantCulture), await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task ManagerQueue_600MiBItemPutByAWorker_ArrivesWhole()
    {
        await using var manager = await Manager.StartAsync(Runtime).WaitAsync(Bound);
        var queue = manager.Queue<byte[]>();
        var process = Runtime.CreateProcess(new Action<SharedQueue<byte[]>, int>(LargeValueTargets.PutPattern), queue, 600);

        await process.StartAsync().WaitAsync(Bound);
        await process.JoinAsync().WaitAsync(Bound);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {process.Exception}");
        var item = await queue.GetAsync(Bound).WaitAsync(Bound);

        Assert.True(LargeValueTargets.Pattern(600 << 20, 600).AsSpan().SequenceEqual(item), "the 600 MiB item differs");
    }
}
