using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using OpenTelemetry.Trace;

namespace ActorParallel.Tests.Nodes;

/// <summary>ActorParallel.Host as a worker node: its command line, and joining and leaving a driver's cluster over loopback.</summary>
public sealed class HostNodeTests : RuntimeFixture
{
    [Fact]
    public async Task Help_PrintsTheOptionsAndExitsZero()
    {
        using var node = new ChildProgram("ActorParallel.Host", "--help");

        Assert.Equal(0, await node.WaitForExit(Bound));
        Assert.Contains(node.Lines, line => line.Contains("--seed ADDRESS"));
        Assert.Contains(node.Lines, line => line.Contains("--seed <ADDRESS>"));
        Assert.Contains(node.Lines, line => line.Contains("--public-hostname <HOST>"));
        Assert.Contains(node.Lines, line => line.Contains("--join-timeout <SECONDS>") && line.Contains("[default: 60]"));
        Assert.Contains(node.Lines, line => line.Contains("Exit codes: 0 left on SIGTERM"));
        Assert.DoesNotContain(node.Lines, line => line.StartsWith("stderr: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateCertificate_WritesOneADriverCanUse()
    {
        var path = ScratchFile("cluster.pfx");
        using var host = ChildProgram.WithEnvironment(new Dictionary<string, string> { ["ACTORPARALLEL_CERTIFICATE_PASSWORD"] = "pw" }, "ActorParallel.Host", "--create-certificate", path);

        Assert.Equal(0, await host.WaitForExit(Bound));
        Assert.Contains(host.Lines, line => line.StartsWith($"Wrote {path} (SHA-256 ", StringComparison.Ordinal));
        await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions { CertificatePath = path, CertificatePassword = "pw" });
        Assert.StartsWith("akka.ssl.tcp://", ((Akka.Actor.ExtendedActorSystem)driver.System).Provider.DefaultAddress.ToString());
    }

    [Theory]
    [InlineData("--seed is required", new string[0])]
    [InlineData("--port 'abc'", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--port", "abc" })]
    [InlineData("--seed 'nowhere'", new[] { "--seed", "nowhere" })]
    [InlineData("--hostname 192.0.2.7 is reachable beyond this machine, which needs --certificate", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--hostname", "192.0.2.7" })]
    [InlineData("--certificate '/nonexistent/cluster.pfx' does not exist", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--certificate", "/nonexistent/cluster.pfx" })]
    [InlineData("stderr: ActorParallel.Host: Unrecognized command or argument '--colour'", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--colour", "blue" })]
    [InlineData("--public-hostname 192.0.2.7) is reachable beyond this machine, which needs --certificate", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--public-hostname", "192.0.2.7" })]
    [InlineData("--system-name 'a.b' must be ASCII letters", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--system-name", "a.b" })]
    [InlineData("--port '70000' is not a port number", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--port", "70000" })]
    [InlineData("--create-certificate takes no other option (was given --seed)", new[] { "--create-certificate", "/nonexistent/cluster.pfx", "--seed", "akka.tcp://actorparallel@127.0.0.1:4053" })]
    [InlineData("--workers '0' is not a whole number", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--workers", "0" })]
    [InlineData("--join-timeout '0'", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--join-timeout", "0" })]
    [InlineData("--assembly '/nonexistent/user-code.dll' does not exist", new[] { "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--assembly", "/nonexistent/user-code.dll" })]
    public async Task BadCommandLine_ExitsTwoNamingTheProblem(string expected, string[] arguments)
    {
        using var node = new ChildProgram("ActorParallel.Host", arguments);

        Assert.Equal(2, await node.WaitForExit(Bound));
        Assert.Contains(node.Lines, line => line.Contains(expected));
    }

    [Fact]
    public async Task BadCommandLine_CertificateThatIsNotOne_ExitsTwoNamingTheFlagAndTheFile()
    {
        var path = ScratchFile("not-a-certificate.pfx");
        File.WriteAllText(path, "hello");
        using var node = new ChildProgram("ActorParallel.Host", "--seed", "akka.tcp://actorparallel@127.0.0.1:4053", "--certificate", path);

        Assert.Equal(2, await node.WaitForExit(Bound));
        Assert.Contains(node.Lines, line => line.StartsWith($"stderr: ActorParallel.Host: --certificate '{path}' is not a cluster certificate this node can use", StringComparison.Ordinal)
            && line.Contains("cannot be read as a PKCS#12 certificate"));
    }

    [Fact]
    public async Task Node_WithNoReachableSeed_GivesUpAfterItsJoinTimeoutAndExitsOne()
    {
        // A loopback port nobody listens on: the connection is refused at once, again and again.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var unusedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var node = new ChildProgram("ActorParallel.Host", "--seed", $"akka.tcp://actorparallel@127.0.0.1:{unusedPort}", "--join-timeout", "3");

        Assert.Equal(1, await node.WaitForExit(Bound));
        Assert.Contains(node.Lines, line => line.Contains("could not join the cluster"));
    }

    [Fact]
    public async Task Node_JoinsTheDriversClusterWithItsRoles_AndLeavesOnSigterm()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--role", "gpu");

        var up = await node.WaitForLine("ActorParallel.Host up at", Bound);
        var nodes = await Runtime.WaitForHostNodesAsync(1, Bound);
        OsProcesses.Signal(node.Pid, 15);

        Assert.Contains("actorparallel-host", up);
        Assert.Contains("gpu", up);
        Assert.Contains(nodes[0], up);
        Assert.Equal(0, await node.WaitForExit(Bound));
        Assert.Empty(await Runtime.WaitForHostNodesAsync(0, Bound));
        // Leaving is routine: neither the node's console nor the driver's log has an error or a warning.
        // (Akka's warning that its heartbeat timer ran late is about this test process, whose other
        // collections - gigabyte values among them - can stall its threads for a second; not about the leave.)
        Assert.DoesNotContain(node.Lines, Samples.SamplesOutputTests.IsProblem);
        Assert.DoesNotContain(Logs.Records, record => record.Level >= Microsoft.Extensions.Logging.LogLevel.Warning
            && !record.Message.Contains("Scheduled sending of heartbeat was delayed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_JoinedWithNoManager_NeitherSideFailsToReadTheReplicasGossip()
    {
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var collector = Runtime.System.ActorOf(Props.Create(() => new WarningCollector(warnings)));
        Runtime.System.EventStream.Subscribe(collector, typeof(Akka.Event.Warning));
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed);
        await node.WaitForLine("ActorParallel.Host up at", Bound);
        await Runtime.WaitForHostNodesAsync(1, Bound);

        // An absence can only be watched for: three of the replicas' gossip rounds, each way.
        var gossip = Runtime.System.Settings.Config.GetTimeSpan("akka.cluster.distributed-data.gossip-interval", TimeSpan.FromSeconds(2));
        await Task.Delay(gossip * 3 + TimeSpan.FromMilliseconds(500));

        Assert.DoesNotContain(warnings, warning => warning.Contains("Deserialization failed"));
        Assert.DoesNotContain(node.Lines, line => line.Contains("Deserialization failed"));
    }

    private sealed class WarningCollector : ReceiveActor
    {
        public WarningCollector(System.Collections.Concurrent.ConcurrentQueue<string> warnings) =>
            Receive<Akka.Event.Warning>(warning => warnings.Enqueue($"{warning.Message}"));
    }

    [Fact]
    public async Task NodeSupervisor_StartsWorkerProcessesOnTheNode_DrivenByMessagesFromTheDriver()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed);
        var nodes = await Runtime.WaitForHostNodesAsync(1, Bound);
        var supervisor = await Runtime.GetHostNodeSupervisorAsync(nodes[0]).WaitAsync(Bound);
        var path = ScratchFile("from-node.txt");
        var writes = ProcessSpec.Create(TestTargets.WriteFile, [path, "written by a worker of the node"]);
        var sleeps = ProcessSpec.Create(TestTargets.SleepForever, []);

        var written = await supervisor.Ask<IStartProcessResponse>(new StartProcess(writes), Bound);
        var writtenExit = await supervisor.Ask<IProcessExitResponse>(new JoinProcess(writes.Id), Bound);
        var sleeping = Assert.IsType<ProcessStarted>(await supervisor.Ask<IStartProcessResponse>(new StartProcess(sleeps), Bound));
        node.Track(sleeping.Pid);
        var parent = OsProcesses.ParentOf(sleeping.Pid);
        var killed = await supervisor.Ask<IProcessExitResponse>(new KillProcess(sleeps.Id), Bound);
        // Its exit cause is diagnosed on the node, stderr lines and all, and travels with its exit.
        var failing = ProcessSpec.Create(DeathTargets.FailFast, ["failed on a node"]);
        await supervisor.Ask<IStartProcessResponse>(new StartProcess(failing), Bound);
        var failed = Assert.IsType<ProcessExited>(await supervisor.Ask<IProcessExitResponse>(new JoinProcess(failing.Id), Bound));

        Assert.IsType<ProcessStarted>(written);
        Assert.Equal(0, Assert.IsType<ProcessExited>(writtenExit).ExitCode);
        Assert.Equal("written by a worker of the node", File.ReadAllText(path));
        Assert.Equal(node.Pid, parent);
        Assert.Equal(-9, Assert.IsType<ProcessExited>(killed).ExitCode);
        Assert.Equal(WorkerExitKind.KilledByDriver, ((ProcessExited)killed).Cause?.Kind);
        Assert.Equal((WorkerExitKind.FailFast, "failed on a node"), (failed.Cause?.Kind, failed.Cause?.Detail));
        Assert.Contains("Process terminated.", failed.Cause!.StderrTail);
        Assert.Contains(node.Lines, line => line == "stderr: failed on a node");
    }

    [Fact]
    public async Task NodeSupervisor_RefusesOrdersFromAMemberThatIsNotItsDriver()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed);
        var nodeAddress = (await Runtime.WaitForHostNodesAsync(1, Bound))[0];
        // Another member of the same cluster, in this process: it may join, but it is not the driver.
        await using var other = ParallelRuntime.CreateHostNode([seed], new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host });
        await Runtime.WaitForHostNodesAsync(2, Bound);
        var supervisorSeenByOther = await other.System.ActorSelection($"{nodeAddress}/user/{ParallelRuntime.HostNodeSupervisorName}").ResolveOne(Bound);
        var supervisorSeenByDriver = await Runtime.GetHostNodeSupervisorAsync(nodeAddress).WaitAsync(Bound);
        var fromOther = ProcessSpec.Create(TestTargets.Nothing, []);
        var fromDriver = ProcessSpec.Create(TestTargets.Nothing, []);

        var refused = await supervisorSeenByOther.Ask<IStartProcessResponse>(new StartProcess(fromOther), Bound);
        var started = await supervisorSeenByDriver.Ask<IStartProcessResponse>(new StartProcess(fromDriver), Bound);
        var exited = await supervisorSeenByDriver.Ask<IProcessExitResponse>(new JoinProcess(fromDriver.Id), Bound);

        Assert.Contains("is not the driver of the cluster this Host node joined", Assert.IsType<ProcessStartFailed>(refused).Reason);
        Assert.IsType<ProcessStarted>(started);
        Assert.Equal(0, Assert.IsType<ProcessExited>(exited).ExitCode);
    }

    [Fact]
    public async Task Pool_RunsAsManyWorkersOnANodeAsTheNodeOffers()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--workers", "2", "--role", "offers-two");
        await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = "offers-two" });

        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        pids.ToList().ForEach(node.Track);
        var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100)).WaitAsync(Bound);

        Assert.Equal(3, pool.Processes);
        Assert.Equal(2, pids.Count(pid => OsProcesses.ParentOf(pid) == node.Pid));
        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), squares);
    }

    [Fact]
    public async Task Pool_OnAHostNode_Traced_ChunkSpansTimedOnTheNodeAreChildrenOfTheMapSpan()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var testSource = new System.Diagnostics.ActivitySource("ActorParallel.Tests.Nodes");
        using var tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(ActorParallelTelemetry.ActivitySourceName, testSource.Name).AddInMemoryExporter(spans).Build()!;
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--workers", "1", "--role", "traced");
        await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = "traced" });
        var worker = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));
        node.Track(worker);

        // The test's own trace (other tests' maps are traced too while this listener listens).
        System.Diagnostics.Activity root;
        using (root = testSource.StartActivity("test")!)
        {
            await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 6), chunkSize: 2).WaitAsync(Bound);
        }

        var map = Assert.Single(spans, span => span.DisplayName == "actorparallel.map" && span.TraceId == root.TraceId);
        var chunks = spans.Where(span => span.DisplayName == "actorparallel.chunk" && span.TraceId == map.TraceId).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, chunk => Assert.Equal((map.SpanId, worker), (chunk.ParentSpanId, (int)chunk.GetTagItem("process.pid")!)));
        Assert.Equal(node.Pid, OsProcesses.ParentOf(worker));
    }

    [Fact]
    public async Task Pool_OnAHostNode_ItemPastItsDeadline_KillsThatWorkerOnTheNodeAndTheNodeStartsAnother()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--workers", "1", "--role", "deadlines");
        await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = "deadlines", ItemTimeout = TimeSpan.FromMilliseconds(500) });
        var before = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));
        node.Track(before);

        var error = await Assert.ThrowsAsync<ItemTimeoutException>(() => pool.MapAsync(x => x == 2 ? PoolTargets.Hang("loop") : x, Enumerable.Range(0, 4), 1).WaitAsync(Bound));

        Assert.Equal(2, error.ItemIndex);
        Assert.Equal(before, error.WorkerPid);
        Assert.True(await OsProcesses.AllGoneWithin([before], TimeSpan.FromSeconds(20)), $"the node's worker stuck past its deadline ({before}) is still alive");
        var after = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));
        node.Track(after);
        Assert.NotEqual(before, after);
        Assert.Equal(node.Pid, OsProcesses.ParentOf(after));
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 3)).WaitAsync(Bound));
    }

    [Fact]
    public async Task Pool_SpreadOverTheDriverAndANode_NodeSigkilledMidMap_MapCompletesExactly()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed);
        var nodes = await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole, ProcessesPerHostNode = 1 });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var onNode = pids.Where(pid => OsProcesses.ParentOf(pid) == node.Pid).ToList();
        onNode.ForEach(node.Track);
        int[] warm;
        try
        {
            warm = await pool.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 40), chunkSize: 1).WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            var members = Akka.Cluster.Cluster.Get(Runtime.System).State;
            var status = await pool.StatusAsync().WaitAsync(Bound);
            throw new TimeoutException($"warm-up map timed out; pool {status.Detail}; pids {string.Join(",", pids)}; node {node.Pid}; members {string.Join(",", members.Members)}; unreachable {string.Join(",", members.Unreachable)}; node said:\n{string.Join("\n", node.Lines)}");
        }
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new InlineProgress(p =>
        {
            if (p.Done >= 60 && killed.TrySetResult())
            {
                node.KillHard();
            }
        });

        var results = await pool.MapAsync(PoolTargets.SlowSquare, Enumerable.Range(0, 400), chunkSize: 2, progress).WaitAsync(Bound);

        Assert.Equal(2, pids.Count);
        Assert.Single(onNode);
        Assert.Contains(onNode[0], warm);
        Assert.True(killed.Task.IsCompleted);
        Assert.Equal(Enumerable.Range(0, 400).Select(PoolTargets.Square), results);
        Assert.True(await OsProcesses.AllGoneWithin(onNode, TimeSpan.FromSeconds(5)), "the node's worker outlived its node");
    }
}
