using ActorParallel.Configuration;
using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Configuration;

/// <summary>
/// <see cref="ParallelRuntimeOptions.LoggerFactory"/>: the application's factory receives Akka's messages
/// (under the class that logged them), the library's own (under <c>ActorParallel.*</c>) and its worker
/// processes' (forwarded over their stderr); routine ends are not warnings.
/// </summary>
public sealed class LoggingTests() : RuntimeFixture($"logging-{Guid.NewGuid():N}")
{
    [Fact]
    public async Task LoggerFactory_AnActorFails_AkkasErrorReachesItUnderTheActorsClass()
    {
        var thrower = Runtime.LocalSystem.ActorOf(Props.Create<Thrower>());

        thrower.Tell("boom");
        var record = await Logs.WaitFor(r => r.Exception is InvalidOperationException { Message: "boom" }, Bound);

        // Akka's supervisor reports the failure: its class is the category, the failed actor the source.
        Assert.Equal((LogLevel.Error, typeof(OneForOneStrategy).FullName), (record.Level, record.Category));
        Assert.StartsWith(thrower.Path.ToString(), record.Message);
    }

    [Fact]
    public async Task LoggerFactory_AWorkerLogs_ItReachesTheDriversFactoryNamingTheWorker()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 1 });
        var worker = Assert.Single(await pool.WaitForWorkersAsync().WaitAsync(Bound));

        Assert.Equal(new[] { 7 }, await pool.MapAsync(LoggingTargets.LogWarning, new[] { 7 }).WaitAsync(Bound));
        var record = await Logs.WaitFor(r => r.Message.Contains("logged in a worker: 7"), Bound);

        Assert.Equal((LogLevel.Warning, LogCategories.Worker), (record.Level, record.Category));
        Assert.StartsWith($"worker {worker}: ", record.Message);
        // Below the factory's level (Information): not sent at all.
        Assert.DoesNotContain(Logs.Records, r => r.Message.Contains("debug in a worker"));
    }

    [Fact]
    public async Task Pool_DisposedMidMap_LogsNoWarningOrError()
    {
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = ScratchFile("running");
        var map = pool.MapAsync(_ => PoolTargets.MarkThenBlock(marker), Enumerable.Range(0, 4), 1);
        await WaitForFile(marker);

        await pool.DisposeAsync().AsTask().WaitAsync(Bound);

        await Assert.ThrowsAnyAsync<Exception>(() => map.WaitAsync(Bound));
        Assert.True(await OsProcesses.AllGoneWithin(workers, Bound), "a worker of the disposed pool is still running");
        // The workers' ends reach the driver (their exits, their stderr read to its end) before the pool's disposal completes.
        Assert.DoesNotContain(Logs.Records, r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task TlsDriver_ProbedByAConnectionThatClosesBeforeTls_DebugNotError_AForeignNodeStillAWarning()
    {
        const string password = "pw";
        ClusterCertificate.CreateFile(ScratchFile("cluster.pfx"), password);
        var foreign = ScratchFile("foreign.pfx");
        ClusterCertificate.CreateFile(foreign, password);
        using var logs = new CollectedLogs(LogLevel.Information, akkaMinimum: LogLevel.Debug);
        await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions
        {
            SystemName = "tls-logs", CertificatePath = ScratchFile("cluster.pfx"), CertificatePassword = password, LoggerFactory = logs.Factory,
        });
        var seed = await driver.AcceptHostNodesAsync().WaitAsync(Bound);

        // What a Host node's DriverWatch does to tell a dead driver from a slow one: connect, and close at once.
        using (var probe = new System.Net.Sockets.TcpClient())
        {
            await probe.ConnectAsync("127.0.0.1", int.Parse(seed[(seed.LastIndexOf(':') + 1)..]));
        }
        var probed = await logs.WaitFor(r => r.Message.Contains("TLS handshake failed"), Bound);
        using var withForeign = ChildProgram.WithEnvironment(new Dictionary<string, string> { ["ACTORPARALLEL_CERTIFICATE_PASSWORD"] = password },
            "ActorParallel.Host", "--seed", seed, "--system-name", "tls-logs", "--certificate", foreign, "--join-timeout", "3");
        var refused = await logs.WaitFor(r => r.Message.Contains("did not present this cluster's certificate"), Bound);

        Assert.Equal((LogLevel.Debug, "Akka.Remote.Transport.DotNetty.TcpServerHandler"), (probed.Level, probed.Category));
        Assert.Equal(LogLevel.Warning, refused.Level);
    }

    [Fact]
    public async Task RemotingWorkerKilled_TheRemoteWatchersUnreachableReport_IsDebug_AndNothingIsAWarning()
    {
        var logs = new CollectedLogs(LogLevel.Information, akkaMinimum: LogLevel.Debug);
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, WorkerLink = WorkerLink.Remoting, LoggerFactory = logs.Factory });
        await using var pool = runtime.CreatePool(new PoolOptions { Processes = 2 });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var squares = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 10)).WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 10).Select(PoolTargets.Square), squares);
        // Watched as the driver watches them, so that the test knows when Akka has settled the killed one's end.
        var watcher = Inbox.Create(runtime.System);
        var deployed = await WorkerActors(runtime.System, watcher, count: 2);
        deployed.ForEach(actor => watcher.Watch(actor));

        OsProcesses.KillQuietly(workers[0]);
        // Akka learns of it some seconds later: by the remote watcher's failure detector ("Detected unreachable"),
        // or, when a new worker took the dead one's port, from the system now answering there.
        var ended = Assert.IsType<Terminated>(await watcher.ReceiveAsync(Bound));

        Assert.Contains(ended.ActorRef, deployed);
        Assert.All(logs.Records.Where(r => r.Message.Contains("Detected unreachable")), r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.Contains(logs.Records, r => r.Category == LogCategories.Pool && r.Message.Contains($"worker {workers[0]} died"));
        var replaced = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, replaced.Count(OsProcesses.IsAlive));
        await pool.DisposeAsync().AsTask().WaitAsync(Bound);
        Assert.True(await OsProcesses.AllGoneWithin(workers.Concat(replaced), Bound), "a worker outlived its pool");
        // (Akka's warning that its cluster heartbeat timer ran late is about this test process, which other
        // collections can stall for a second, not about the worker's death.)
        Assert.DoesNotContain(logs.Records, r => r.Level >= LogLevel.Warning && !r.Message.Contains("Scheduled sending of heartbeat was delayed", StringComparison.Ordinal));
    }

    /// <summary>The pool's worker actors, deployed into their processes (answering Identify from there).</summary>
    private static async Task<List<IActorRef>> WorkerActors(ActorSystem system, Inbox inbox, int count)
    {
        system.ActorSelection("/user/*/p-*/worker").Tell(new Identify(null), inbox.Receiver);
        var found = new List<IActorRef>();
        while (found.Count < count)
        {
            if (Assert.IsType<ActorIdentity>(await inbox.ReceiveAsync(Bound)).Subject is { } subject)
            {
                found.Add(subject);
            }
        }
        return found;
    }

    [Fact]
    public void AkkaLogLevels_TheRemoteWatchersUnreachableReport_IsDebug()
    {
        var watcherClass = Type.GetType("Akka.Cluster.ClusterRemoteWatcher, Akka.Cluster", throwOnError: true)!;
        var report = new Akka.Event.Warning("akka://x/system/remote-watcher", watcherClass, "Detected unreachable: [akka.tcp://x@127.0.0.1:4053]");

        Assert.Equal(LogLevel.Debug, AkkaLogLevels.Of(report));
        Assert.Equal(LogLevel.Warning, AkkaLogLevels.Of(new Akka.Event.Warning("src", typeof(LoggingTests), "Detected unreachable: [akka.tcp://x@127.0.0.1:4053]")));
    }

    [Theory]
    [InlineData("swallowing exception during message send", "Attempted to send remote message but Remoting is not running.")]
    [InlineData("Association with remote system akka.tcp://a@127.0.0.1:4053 has failed; address is now gated for 5000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated]", "Disassociated")]
    public void AkkaLogLevels_RoutineShutdownReports_AreDebug(string message, string cause)
    {
        var error = new Akka.Event.Error(new InvalidOperationException(cause), "akka://x/system/endpointManager", typeof(LoggingTests), message);

        Assert.Equal(LogLevel.Debug, AkkaLogLevels.Of(error));
    }

    [Fact]
    public void AkkaLogLevels_OtherErrorsAndWarnings_KeepTheirLevel()
    {
        Assert.Equal(LogLevel.Error, AkkaLogLevels.Of(new Akka.Event.Error(new InvalidOperationException("boom"), "src", typeof(LoggingTests), "failed")));
        Assert.Equal(LogLevel.Warning, AkkaLogLevels.Of(new Akka.Event.Warning("src", typeof(LoggingTests), "a peer was refused")));
        Assert.Equal(LogLevel.Information, AkkaLogLevels.Of(new Akka.Event.Info("src", typeof(LoggingTests), "heartbeat interval is growing too large")));
    }

    [Fact]
    public void WorkerLogLine_RoundTripsLevelCategoryAndMultiLineText()
    {
        var record = new WorkerLogLine(LogLevel.Error, "ActorParallel.Worker", "first\nsecond\\n third\r\n");

        var line = record.ToString();

        Assert.DoesNotContain('\n', line);
        Assert.Equal(record, WorkerLogLine.Parse(line));
        Assert.Null(WorkerLogLine.Parse("a worker's own line"));
        Assert.Null(WorkerLogLine.Parse($"{WorkerLogLine.Prefix}Loud ActorParallel.Worker text"));
    }

    [Fact]
    public void QuietConsole_WarningAndUp_LevelInBracketsThenTimeCategoryAndMessage()
    {
        var logger = QuietConsoleLoggerFactory.Instance.CreateLogger("ActorParallel.Pool");

        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        Assert.Equal("[WARNING] 19:13:00.678 ActorParallel.Pool: hello",
            QuietConsoleLoggerFactory.Format(LogLevel.Warning, "ActorParallel.Pool", "hello", new DateTimeOffset(2026, 11, 29, 19, 13, 0, 678, TimeSpan.Zero)));
        Assert.True(ActorParallel.Tests.Samples.SamplesOutputTests.IsProblem(QuietConsoleLoggerFactory.Format(LogLevel.Error, "Akka.Remote.EndpointWriter", "x", DateTimeOffset.Now)));
    }

    private sealed class Thrower : ReceiveActor
    {
        public Thrower() => Receive<string>(text => throw new InvalidOperationException(text));
    }
}

/// <summary>Functions the logging tests run in workers.</summary>
public static class LoggingTargets
{
    public static int LogWarning(int x)
    {
        var logger = ProcessLogs.Default.CreateLogger(LogCategories.Worker);
        logger.LogDebug("debug in a worker: {Value}", x);
        logger.LogWarning("logged in a worker: {Value}", x);
        return x;
    }
}
