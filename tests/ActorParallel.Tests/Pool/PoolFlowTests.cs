using ActorParallel.Tests.Support;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Pool;

/// <summary>A runtime of its own (so that its workers can be counted from the OS) with one pool of two workers that no test breaks.</summary>
public sealed class PoolFlowFixture : RuntimeFixture
{
    public PoolFlowFixture()
        : base($"flow-{Guid.NewGuid():N}")
    {
        Pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
    }

    public ActorParallel.Pool Pool { get; }

    public IReadOnlyList<int> LiveWorkers => OsProcesses.WorkersOfSystem(Runtime.LocalSystem.Name);

    public ActorParallel.Pool CreatePool(PoolOptions options) => Runtime.CreatePool(options);

    public string NewMarker() => ScratchFile($"marker-{Guid.NewGuid():N}");

    public Task WaitForMarker(string marker) => WaitForFile(marker);
}

/// <summary>
/// <see cref="PoolFlowExtensions.AsFlow{TIn,TOut}(ActorParallel.Pool,Func{TIn,TOut},PoolFlowOptions?)"/> against a real pool,
/// driven and observed with Akka.Streams.TestKit's probes in the test kit's own ActorSystem.
/// </summary>
public sealed class PoolFlowTests(PoolFlowFixture fixture)
    : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.test.single-expect-default = 60s"), "pool-flow-tests"), IClassFixture<PoolFlowFixture>
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(20);
    private readonly ActorParallel.Pool _pool = fixture.Pool;

    private IMaterializer Materializer => Sys.Materializer();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(PoolFlowOptions.DefaultChunkSize)]
    public async Task AsFlow_ManyElements_ResultsInElementOrder(int chunkSize)
    {
        var input = Enumerable.Range(-500, 5_000).ToList();

        var results = await Source.From(input)
            .Via(_pool.AsFlow<int, int>(PoolTargets.Square, new PoolFlowOptions { ChunkSize = chunkSize }))
            .RunWith(Sink.Seq<int>(), Materializer)
            .WaitAsync(Bound);

        Assert.Equal(input.Select(PoolTargets.Square), results);
    }

    [Fact]
    public async Task AsFlow_ElementsComeFromWorkerProcesses()
    {
        var pids = await Source.From(Enumerable.Range(0, 40))
            .Via(_pool.AsFlow<int, int>(PoolTargets.SlowPid, new PoolFlowOptions { ChunkSize = 1 }))
            .RunWith(Sink.Seq<int>(), Materializer)
            .WaitAsync(Bound);

        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.Subset(fixture.LiveWorkers.ToHashSet(), pids.ToHashSet());
    }

    [Fact]
    public void AsFlow_EmptySource_CompletesWithNothing()
    {
        var probe = Source.Empty<int>().Via(_pool.AsFlow<int, int>(PoolTargets.Square)).RunWith(this.SinkProbe<int>(), Materializer);

        probe.Request(1);

        probe.ExpectComplete(Bound);
    }

    [Fact]
    public void AsFlow_ElementsFromAProbe_EmittedAsTheyArriveAndCompletesAfterTheLast()
    {
        var (source, sink) = this.SourceProbe<int>().Via(_pool.AsFlow<int, int>(PoolTargets.Square)).ToMaterialized(this.SinkProbe<int>(), Keep.Both).Run(Materializer);

        sink.Request(10);
        for (var element = 1; element <= 3; element++)
        {
            // One element at a time, its result before the next is sent: no element waits for a chunk to fill.
            source.SendNext(element);
            Assert.Equal(element * element, sink.ExpectNext(Bound));
        }
        source.SendComplete();

        sink.ExpectComplete(Bound);
    }

    [Fact]
    public async Task AsFlow_SlowDownstream_HoldsAtMostMaxItemsInFlight()
    {
        const int InFlight = 20;
        var pulled = 0;
        var probe = Source.From(Enumerable.Range(0, 10_000))
            .Select(element =>
            {
                Interlocked.Increment(ref pulled);
                return element;
            })
            .Via(_pool.AsFlow<int, int>(PoolTargets.Square, new PoolFlowOptions { ChunkSize = 5, MaxItemsInFlight = InFlight }))
            .RunWith(this.SinkProbe<int>(), Materializer);

        probe.Request(3);
        Assert.Equal(new[] { 0, 1, 4 }, probe.ExpectNextN(3, Bound));

        // It reads ahead as far as the bound and no further while nothing more is asked for.
        await AwaitAssertAsync(() => Assert.Equal(3 + InFlight, Volatile.Read(ref pulled)), Bound);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3 + InFlight, Volatile.Read(ref pulled));

        var received = 3;
        while (received < 400)
        {
            probe.Request(37);
            var batch = probe.ExpectNextN(37, Bound);
            Assert.Equal(Enumerable.Range(received, 37).Select(PoolTargets.Square), batch);
            received += 37;
            Assert.InRange(Volatile.Read(ref pulled), received, received + InFlight);
        }
        probe.Cancel();
    }

    [Fact]
    public void AsFlow_DefaultMaxItemsInFlight_IsSixteenChunksPerWorker()
    {
        var options = new PoolFlowOptions { ChunkSize = 10 }.Validated(processes: 3);

        Assert.Equal(16 * 10 * 3, options.MaxItemsInFlight);
    }

    [Fact]
    public async Task AsFlow_FunctionThrows_ResultsBeforeItThenTheExceptionMapAsyncGives()
    {
        var expected = await Assert.ThrowsAsync<InvalidOperationException>(() => _pool.MapAsync(PoolTargets.ThrowOnSeven, Enumerable.Range(0, 20), 1)).WaitAsync(Bound);
        var probe = Source.From(Enumerable.Range(0, 20))
            .Via(_pool.AsFlow<int, int>(PoolTargets.ThrowOnSeven, new PoolFlowOptions { ChunkSize = 1 }))
            .RunWith(this.SinkProbe<int>(), Materializer);

        probe.Request(20);
        Assert.Equal(Enumerable.Range(0, 7), probe.ExpectNextN(7, Bound));
        var error = probe.ExpectError();

        var thrown = Assert.IsType<InvalidOperationException>(error);
        Assert.Equal(expected.Message, thrown.Message);
        var remote = Assert.IsType<RemoteException>(thrown.InnerException);
        var expectedRemote = Assert.IsType<RemoteException>(expected.InnerException);
        Assert.Equal((expectedRemote.RemoteType, expectedRemote.RemoteMessage, expectedRemote.ItemIndex), (remote.RemoteType, remote.RemoteMessage, remote.ItemIndex));
        Assert.Equal(7, remote.ItemIndex);
        Assert.Contains(nameof(PoolTargets.ThrowOnSeven), remote.RemoteStackTrace);
        Assert.Equal(new[] { 0, 1, 4 }, await _pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Fact]
    public async Task AsFlow_FunctionReturnsNull_FailsNamingTheElement_AndThePoolStaysUsable()
    {
        var probe = Source.From(new[] { "a", "b", "null", "d" })
            .Via(_pool.AsFlow<string, string?>(PoolTargets.NullForTheWordNull, new PoolFlowOptions { ChunkSize = 1 }))
            .RunWith(this.SinkProbe<string?>(), Materializer);

        probe.Request(4);
        Assert.Equal(new[] { "A", "B" }, probe.ExpectNextN(2, Bound));
        var error = Assert.IsType<InvalidOperationException>(probe.ExpectError());

        Assert.Contains("returned null for element 2", error.Message);
        Assert.Contains("Reactive Streams rule 2.13", error.Message);
        Assert.Equal(new[] { 0, 1, 4 }, await _pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(PoolFlowOptions.DefaultChunkSize)]
    public async Task AsFlow_ResumingDecider_DropsOnlyTheFailedElements(int chunkSize)
    {
        var results = await Source.From(Enumerable.Range(0, 300))
            .Via(_pool.AsFlow<int, int>(x => x % 100 == 7 ? throw new InvalidOperationException($"no {x}") : x, new PoolFlowOptions { ChunkSize = chunkSize })
                .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.ResumingDecider)))
            .RunWith(Sink.Seq<int>(), Materializer)
            .WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 300).Where(x => x % 100 != 7), results);
    }

    [Fact]
    public void AsFlow_DeciderStopsOnOneTypeOnly_ResumesPastOthersAndStopsOnIt()
    {
        Directive decider(Exception error) => error is ArgumentException ? Directive.Stop : Directive.Resume;
        var probe = Source.From(Enumerable.Range(0, 50))
            .Via(_pool.AsFlow<int, int>(x => x switch
                {
                    3 => throw new InvalidOperationException("resumed"),
                    30 => throw new ArgumentException("stops"),
                    _ => x,
                }, new PoolFlowOptions { ChunkSize = 4 })
                .WithAttributes(ActorAttributes.CreateSupervisionStrategy(decider)))
            .RunWith(this.SinkProbe<int>(), Materializer);

        probe.Request(50);
        var received = new List<int>();
        Exception? error = null;
        while (error is null)
        {
            var next = probe.ExpectNextOrError();
            error = next as Exception;
            if (next is int result)
            {
                received.Add(result);
            }
        }

        // Chunks are cut by demand: how many of 30's chunk came before it varies, but never 3, and always 4 (at most 4 elements to a chunk).
        Assert.Equal(Enumerable.Range(0, 30).Where(x => x != 3).Take(received.Count), received);
        Assert.Contains(4, received);
        Assert.StartsWith("stops", Assert.IsType<ArgumentException>(error).Message);
    }

    [Fact]
    public async Task AsFlow_MaterializedTwiceAtOnce_EachRunGetsItsOwnResults()
    {
        var flow = _pool.AsFlow<int, int>(PoolTargets.Square, new PoolFlowOptions { ChunkSize = 16 });

        var first = Source.From(Enumerable.Range(0, 3_000)).Via(flow).RunWith(Sink.Seq<int>(), Materializer);
        var second = Source.From(Enumerable.Range(5_000, 2_000)).Via(flow).RunWith(Sink.Seq<int>(), Materializer);

        Assert.Equal(Enumerable.Range(0, 3_000).Select(PoolTargets.Square), await first.WaitAsync(Bound));
        Assert.Equal(Enumerable.Range(5_000, 2_000).Select(PoolTargets.Square), await second.WaitAsync(Bound));
    }

    [Fact]
    public async Task AsFlow_DownstreamCancelsWhileAnElementNeverEnds_WorkerKilledAfterTheGracePeriodAndPoolUsable()
    {
        await using var pool = fixture.CreatePool(new PoolOptions { Processes = 2, CancellationGracePeriod = TimeSpan.FromMilliseconds(300) });
        await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = fixture.NewMarker();
        var probe = Source.From(Enumerable.Range(0, 1_000))
            .Via(pool.AsFlow<int, int>(x => x == 0 ? PoolTargets.MarkThenBlock(marker) : x, new PoolFlowOptions { ChunkSize = 1 }))
            .RunWith(this.SinkProbe<int>(), Materializer);

        // The first element never ends, so nothing is emitted (results keep their order) while the rest run.
        probe.Request(10);
        await fixture.WaitForMarker(marker);
        var busy = int.Parse(await File.ReadAllTextAsync(marker + ".pid"));
        probe.Cancel();

        Assert.True(await OsProcesses.AllGoneWithin([busy], ExitBound), $"the worker running the cancelled element ({busy}) is still alive");
        Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Assert.Equal(2, workers.Count);
        Assert.DoesNotContain(busy, workers);
    }

    [Fact]
    public async Task AsFlow_TokenFunctionAndDownstreamCancels_TokenCancelledInTheWorkerWhichLives()
    {
        await using var pool = fixture.CreatePool(new PoolOptions { Processes = 1, CancellationGracePeriod = Timeout.InfiniteTimeSpan });
        var pids = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        var marker = fixture.NewMarker();
        var probe = Source.From(Enumerable.Range(0, 100))
            .Via(pool.AsFlow<int, int>((x, token) => x == 0 ? PoolTargets.MarkThenWaitForToken(marker, token) : x, new PoolFlowOptions { ChunkSize = 1 }))
            .RunWith(this.SinkProbe<int>(), Materializer);

        probe.Request(10);
        await fixture.WaitForMarker(marker);
        probe.Cancel();

        // Only a worker whose token was cancelled is free again: it is never killed here.
        Assert.Equal(pids, await pool.MapAsync(PoolTargets.Pid, [0], 1).WaitAsync(Bound));
    }

    [Fact]
    public void AsFlow_InvalidOptions_NamesEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => _pool.AsFlow<int, int>(PoolTargets.Square, new PoolFlowOptions { ChunkSize = 0, MaxItemsInFlight = -1 }));

        Assert.Contains("ChunkSize must be at least 1 (was 0)", error.Message);
        Assert.Contains("MaxItemsInFlight must be at least 1 or null (was -1)", error.Message);
        Assert.Equal(nameof(PoolFlowOptions), error.ParamName);
    }

    [Fact]
    public async Task PoolOnlyProgram_MappingOnAPool_NeitherDriverNorWorkersLoadAkkaStreams()
    {
        // Akka.Streams is the core library's dependency for AsFlow alone: a program that does not build a
        // flow must not pay for loading it (issue 22). The OS says which assemblies a process has mapped:
        // this one has it once it has a materializer.
        Assert.NotNull(Materializer);
        Assert.Contains(MappedAssemblies(Environment.ProcessId), path => path.EndsWith("/Akka.Streams.dll", StringComparison.Ordinal));
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "2", "pool");
        await program.WaitForLine("ready", Bound);
        var workers = program.Lines.Where(line => line.StartsWith("worker ", StringComparison.Ordinal)).Select(line => int.Parse(line["worker ".Length..])).ToList();
        workers.ForEach(program.Track);

        Assert.Equal(2, workers.Count);
        foreach (var pid in workers.Prepend(program.Pid))
        {
            var mapped = MappedAssemblies(pid);
            Assert.Contains(mapped, path => path.EndsWith("/ActorParallel.dll", StringComparison.Ordinal));
            Assert.DoesNotContain(mapped, path => path.Contains("Akka.Streams", StringComparison.Ordinal));
        }
    }

    /// <summary>The .dll files process <paramref name="pid"/> has mapped (what the runtime has loaded), from /proc.</summary>
    private static IReadOnlyList<string> MappedAssemblies(int pid) =>
        File.ReadAllLines($"/proc/{pid}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].EndsWith(".dll", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .Distinct()
            .ToList();

    [Fact]
    public async Task AsFlow_PoolTerminated_FailsTheStream()
    {
        var pool = fixture.CreatePool(new PoolOptions { Processes = 1 });
        var flow = pool.AsFlow<int, int>(PoolTargets.Square);
        await pool.DisposeAsync();

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => Source.From(Enumerable.Range(0, 10)).Via(flow).RunWith(Sink.Seq<int>(), Materializer)).WaitAsync(Bound);

        Assert.Contains("closed or terminated", error.Message);
    }
}
