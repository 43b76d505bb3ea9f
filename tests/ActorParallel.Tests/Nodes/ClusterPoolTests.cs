using ActorParallel.Tests.Faults;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Nodes;

/// <summary>
/// Pools across a driver and Host nodes on hosts of a <see cref="TestNetwork"/> (network namespaces
/// joined by a bridge, mutual TLS with a per-run certificate): nodes lost mid-map by SIGKILL or by
/// their link going down, and a node that joins mid-map. Timing-sensitive (failure detectors), so
/// they run in the fault collection, not beside other process-heavy tests.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ClusterPoolTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private const string Password = "per-run secret";

    private readonly TestNetwork _network = TestNetwork.Create(hosts: 2);
    private readonly string _scratch = Directory.CreateTempSubdirectory("actorparallel-cluster-").FullName;
    private readonly Dictionary<string, string> _passwordEnvironment = new() { ["ACTORPARALLEL_CERTIFICATE_PASSWORD"] = Password };
    private ParallelRuntime _driver = null!;
    private string _certificate = null!;
    private string _seed = null!;

    public async Task InitializeAsync()
    {
        _certificate = Path.Combine(_scratch, "cluster.pfx");
        ClusterCertificate.CreateFile(_certificate, Password);
        _driver = ParallelRuntime.Create(new ParallelRuntimeOptions
        {
            SystemName = "cluster",
            Hostname = _network.DriverAddress,
            CertificatePath = _certificate,
            CertificatePassword = Password,
        });
        _seed = await _driver.AcceptHostNodesAsync().WaitAsync(Bound);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _driver.DisposeAsync();
        }
        finally
        {
            _network.Dispose();
            Directory.Delete(_scratch, recursive: true);
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(15)]
    public async Task Pool_OverTheDriverAndTwoNodes_NodeKilledOrLeavingMidMap_MapCompletesExactly(int signal)
    {
        var nodes = await StartNodes(2);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole });
        var workers = await WorkersByNode(pool, nodes);

        // SIGKILL: the node is gone at once; SIGTERM: it leaves the cluster, stopping its workers.
        var (results, killed) = await SquaresWhile(pool, () => OsProcesses.Signal(nodes[0].Pid, signal));
        var after = await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 60), chunkSize: 1).WaitAsync(Bound);

        Assert.Equal(3, pool.Processes);
        Assert.True(killed);
        Assert.Equal(Enumerable.Range(0, 600).Select(PoolTargets.Square), results);
        Assert.True(await OsProcesses.AllGoneWithin([workers[0]], TimeSpan.FromSeconds(10)), "the killed node's worker outlived its node");
        Assert.DoesNotContain(workers[0], after);
        Assert.Contains(workers[1], after);
    }

    [Fact]
    public async Task Pool_OverTheDriverAndTwoNodes_NodeCutOffMidMap_MapCompletesExactly_AndTheNodeStopsItself()
    {
        var nodes = await StartNodes(2);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole });
        var workers = await WorkersByNode(pool, nodes);

        var (results, cut) = await SquaresWhile(pool, () => _network.CutOff(0, nodes[0]));
        // On loopback the cut-off node is stopped rather than disconnected: let it run to find out.
        _network.Reconnect(0);
        var exitCode = await nodes[0].WaitForExit(Bound);

        Assert.True(cut);
        Assert.Equal(Enumerable.Range(0, 600).Select(PoolTargets.Square), results);
        Assert.Equal(3, exitCode);
        Assert.Contains(nodes[0].Lines, line => line.Contains("removed from the cluster"));
        Assert.True(await OsProcesses.AllGoneWithin([workers[0]], TimeSpan.FromSeconds(10)), "the cut-off node's worker outlived its node");
        Assert.Single(await _driver.WaitForHostNodesAsync(1, Bound));
    }

    [Fact]
    public async Task NodeJoiningMidMap_AddsItsWorkersToTheRunningMap()
    {
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = "late", ProcessesPerHostNode = 2 });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        ChildProgram? late = null;
        var progress = new InlineProgress(p =>
        {
            if (p.Done >= 20 && late is null)
            {
                late = _network.StartNode(1, _passwordEnvironment, "--seed", _seed, "--system-name", "cluster", "--certificate", _certificate, "--role", "late");
            }
        });

        var pids = await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 2_000), chunkSize: 1, progress).WaitAsync(Bound);

        Assert.NotNull(late);
        var fromNode = pids.Distinct().Where(pid => OsProcesses.IsAlive(pid) && OsProcesses.ParentOf(pid) == late.Pid).ToList();
        fromNode.ForEach(late.Track);
        Assert.Equal(1, pool.Processes);
        Assert.Equal(2, fromNode.Count);
        Assert.Equal(2_000, pids.Count());
    }

    [Fact]
    public async Task SharedObjects_WrittenByPoolFunctionsOnHostNodes_AreAllThereWhenTheMapReturns()
    {
        var nodes = await StartNodes(2);
        await using var manager = await Manager.StartAsync(_driver).WaitAsync(Bound);
        var list = manager.List<int>();
        var total = manager.Value(0L);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
        (await pool.WaitForWorkersAsync().WaitAsync(Bound)).ToList().ForEach(nodes[0].Track);

        var pids = await pool.MapAsync(AppendAndAdd(list, total), Enumerable.Range(0, 300), chunkSize: 5).WaitAsync(Bound);

        var nodePids = nodes.Select(n => n.Pid).ToList();
        Assert.All(pids.Distinct(), pid => Assert.Contains(OsProcesses.ParentOf(pid), nodePids));
        Assert.Equal(Enumerable.Range(0, 300), (await list.ToListAsync().WaitAsync(Bound)).Order());
        Assert.Equal(Enumerable.Range(0, 300).Sum(), await total.GetAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Pipe_EndPassedToAPoolFunctionOnAHostNode_CarriesMessagesThroughTheStore_RefusedOnceLargeMessagesWentUnread()
    {
        var nodes = await StartNodes(1);
        await using var manager = await Manager.StartAsync(_driver).WaitAsync(Bound);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
        (await pool.WaitForWorkersAsync().WaitAsync(Bound)).ToList().ForEach(nodes[0].Track);
        var (near, far) = manager.Pipe();
        var (used, other) = manager.Pipe();

        var doubling = pool.ApplyAsync(DoubleBack(far, 50));
        var doubled = new List<int>();
        for (var i = 0; i < 50; i++)
        {
            near.Send(i);
            doubled.Add(await near.RecvAsync<int>().WaitAsync(Bound));
        }
        var pid = await doubling.WaitAsync(Bound);
        // Larger than a ring's record: it went through the store, so the pipe can no longer change course.
        used.Send(new byte[100_000]);
        var refused = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(DoubleBack(other, 1))).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 50).Select(i => 2 * i), doubled);
        Assert.Contains(OsProcesses.ParentOf(pid), nodes.Select(n => n.Pid));
        Assert.Contains("before sending large messages", refused.Message);
        Assert.Equal(100_000, (await other.RecvBytesAsync().WaitAsync(Bound)).Length);
    }

    /// <summary>A closure of its own (one capturing the test's locals would capture the pool too).</summary>
    private static Func<int> DoubleBack(PipeConnection connection, int count) => () => PipeTargets.DoubleBack(connection, count);

    [Fact]
    public async Task LargeValues_256MiBItemAndResultThroughANode_ArriveExact_AndNoMemberIsEverUnreachable()
    {
        var nodes = await StartNodes(1);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
        (await pool.WaitForWorkersAsync().WaitAsync(Bound)).ToList().ForEach(nodes[0].Track);
        var unreachable = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var watcher = _driver.System.ActorOf(Akka.Actor.Props.Create(() => new UnreachableCollector(unreachable)));
        var item = LargeValueTargets.Pattern(256 << 20, 5);
        var bulkBefore = ActorParallel.Protocol.BulkLinks.MessagesReceived;

        var checksum = await pool.ApplyAsync(() => LargeValueTargets.Checksum(item)).WaitAsync(Bound);
        var made = await pool.ApplyAsync(() => LargeValueTargets.MakePattern(256 << 20)).WaitAsync(Bound);
        // Small maps meanwhile are not held up for long behind a large transfer.
        var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100)).WaitAsync(Bound);
        _driver.System.Stop(watcher);

        Assert.Equal(LargeValueTargets.Checksum(item), checksum);
        Assert.True(LargeValueTargets.Pattern(256 << 20, 7).AsSpan().SequenceEqual(made), "the 256 MiB result differs from the pattern made on the node");
        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), squares);
        Assert.Empty(unreachable);
        // The 256 MiB result came to the driver over a TLS bulk link of its own, not in segments through Akka.Remote.
        Assert.True(ActorParallel.Protocol.BulkLinks.MessagesReceived > bulkBefore, "the 256 MiB result did not come over a bulk link");
    }

    [Fact]
    public async Task LargeValues_NodeCutOffWhileReceivingA64MiBItem_MapCompletesExactlyOnTheDriversWorker()
    {
        var nodes = await StartNodes(1);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole });
        var onNode = (await WorkersByNode(pool, nodes))[0];
        var items = Enumerable.Range(0, 6).Select(seed => LargeValueTargets.Pattern(64 << 20, seed)).ToArray();
        var before = OsProcesses.ResidentBytes(onNode);
        var cut = Task.Factory.StartNew(() =>
        {
            // Cut the node off once its worker is part-way through receiving an item (its memory grows as
            // the pieces come in). Watched without pause, on a thread of its own.
            var deadline = Environment.TickCount64 + (long)Bound.TotalMilliseconds;
            while (OsProcesses.ResidentBytes(onNode) - before < (16 << 20))
            {
                if (Environment.TickCount64 > deadline)
                {
                    throw new TimeoutException("The node's worker never started receiving an item.");
                }
            }
            _network.CutOff(0, nodes[0]);
        }, TaskCreationOptions.LongRunning);

        var checksums = await pool.MapAsync(LargeValueTargets.Checksum, items, chunkSize: 1).WaitAsync(Bound);
        await cut.WaitAsync(Bound);
        _network.Reconnect(0);

        Assert.Equal(items.Select(LargeValueTargets.Checksum), checksums);
        Assert.Equal(3, await nodes[0].WaitForExit(Bound));
        Assert.True(await OsProcesses.AllGoneWithin([onNode], TimeSpan.FromSeconds(10)), "the cut-off node's worker outlived its node");
    }

    [Fact]
    public async Task LargeValues_NodesWorkerSigkilledWhileReceivingA64MiBItem_ChunkRunsElsewhere_ResultsExact()
    {
        var nodes = await StartNodes(1);
        await using var pool = _driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole });
        var onNode = (await WorkersByNode(pool, nodes))[0];
        var items = Enumerable.Range(0, 6).Select(seed => LargeValueTargets.Pattern(64 << 20, seed)).ToArray();
        var before = OsProcesses.ResidentBytes(onNode);
        var killed = Task.Factory.StartNew(() =>
        {
            // Killed once part of an item has arrived (its memory grows as the pieces come in).
            var deadline = Environment.TickCount64 + (long)Bound.TotalMilliseconds;
            while (Environment.TickCount64 < deadline)
            {
                var grown = OsProcesses.ResidentBytes(onNode) - before;
                if (grown > (16 << 20))
                {
                    OsProcesses.KillQuietly(onNode);
                    return grown;
                }
            }
            throw new TimeoutException("The node's worker never started receiving an item.");
        }, TaskCreationOptions.LongRunning);

        var checksums = await pool.MapAsync(LargeValueTargets.Checksum, items, chunkSize: 1).WaitAsync(Bound);
        var grownAtKill = await killed.WaitAsync(Bound);

        Assert.Equal(items.Select(LargeValueTargets.Checksum), checksums);
        Assert.True(grownAtKill < (64L << 20), $"the node's worker was killed after its item had arrived ({grownAtKill >> 20} MiB)");
        Assert.True(await OsProcesses.AllGoneWithin([onNode], TimeSpan.FromSeconds(5)), "the killed worker is still alive");
        var after = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        after.Where(pid => OsProcesses.ParentOf(pid) == nodes[0].Pid).ToList().ForEach(nodes[0].Track);
        Assert.Equal(2, after.Count);
    }

    /// <summary>Records every member the driver's cluster marks unreachable.</summary>
    private sealed class UnreachableCollector : Akka.Actor.ReceiveActor
    {
        public UnreachableCollector(System.Collections.Concurrent.ConcurrentQueue<string> seen)
        {
            Receive<Akka.Cluster.ClusterEvent.UnreachableMember>(e => seen.Enqueue(e.Member.ToString()));
            Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.UnreachableMember));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>A pool function over two shared objects (a closure of its own, so it captures nothing else).</summary>
    private static Func<int, int> AppendAndAdd(SharedList<int> list, SharedValue<long> total) => x =>
    {
        list.Append(x);
        total.Add(x);
        return Environment.ProcessId;
    };

    /// <summary>Squares 0..599 on <paramref name="pool"/>, doing <paramref name="fault"/> once 100 results are back; says whether it was done.</summary>
    private static async Task<(int[] Results, bool FaultDone)> SquaresWhile(ActorParallel.Pool pool, Action fault)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new InlineProgress(p =>
        {
            if (p.Done >= 100 && done.TrySetResult())
            {
                fault();
            }
        });
        var results = await pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 600), chunkSize: 2, progress).WaitAsync(Bound);
        return (results, done.Task.IsCompleted);
    }

    private async Task<IReadOnlyList<ChildProgram>> StartNodes(int count)
    {
        var nodes = Enumerable.Range(0, count)
            .Select(i => _network.StartNode(i, _passwordEnvironment, "--seed", _seed, "--system-name", "cluster", "--certificate", _certificate, "--workers", "1"))
            .ToList();
        await _driver.WaitForHostNodesAsync(count, Bound);
        return nodes;
    }

    /// <summary>Waits for the pool's workers; returns, per node, the one worker that node runs for it.</summary>
    private static async Task<IReadOnlyList<int>> WorkersByNode(ActorParallel.Pool pool, IReadOnlyList<ChildProgram> nodes)
    {
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var byNode = nodes.Select(node => pids.Single(pid => OsProcesses.ParentOf(pid) == node.Pid)).ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            nodes[i].Track(byNode[i]);
        }
        return byNode;
    }
}
