using System.Diagnostics;
using ActorParallel.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Polly.Retry;

namespace ActorParallel.Tests.Driver.Telemetry;

/// <summary>
/// The library's metrics and traces as a user reads them: through the OpenTelemetry SDK's in-memory
/// exporter, with real worker processes. Listeners are process-wide, so each test reads only its own:
/// its pool's name, its runtime's name (no other test class uses it) or its own trace.
/// </summary>
public sealed class InstrumentsTests() : RuntimeFixture(SystemName)
{
    private const string SystemName = "telemetry-tests";
    private static readonly ActivitySource TestSource = new("ActorParallel.Tests.Telemetry");

    [Fact]
    public async Task MapAsync_MeterListening_CountsItemsChunksDurationsAndWorkers()
    {
        var metrics = new List<MetricSnapshot>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "metrics-map" });
        await using (pool)
        {
            var results = await pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100), chunkSize: 10).WaitAsync(Bound);
            Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), results);
            // A round trip with the router: it has handled every result before it answers.
            await pool.GetWorkerPidsAsync().WaitAsync(Bound);
            meters.ForceFlush();

            Assert.Equal(100, Sum(metrics, "actorparallel.pool.items.completed", "{item}", ("actorparallel.pool.name", "metrics-map")));
            Assert.Equal(10, Sum(metrics, "actorparallel.pool.chunks.completed", "{chunk}", ("actorparallel.pool.name", "metrics-map")));
            Assert.Equal(0, Sum(metrics, "actorparallel.pool.backlog", "{chunk}", ("actorparallel.pool.name", "metrics-map")));
            var duration = Points(metrics, "actorparallel.pool.chunk.duration", "s", ("actorparallel.pool.name", "metrics-map")).Single();
            Assert.Equal(10, duration.GetHistogramCount());
            Assert.True(duration.GetHistogramSum() > 0);
            Assert.True(Sum(metrics, "actorparallel.link.io", "By", ("network.io.direction", "transmit")) > 0);
            Assert.True(Sum(metrics, "actorparallel.link.io", "By", ("network.io.direction", "receive")) > 0);
            Assert.Equal(2, Sum(metrics, "actorparallel.worker.count", "{process}", ("actorparallel.runtime.name", SystemName)));
        }
        meters.ForceFlush();

        var started = Sum(metrics, "actorparallel.worker.started", "{process}", ("actorparallel.runtime.name", SystemName));
        Assert.True(started >= 2, $"{started} workers started");
        Assert.Equal(started, Sum(metrics, "actorparallel.worker.exited", "{process}", ("actorparallel.runtime.name", SystemName)));
        Assert.Equal(0, Sum(metrics, "actorparallel.worker.count", "{process}", ("actorparallel.runtime.name", SystemName)));
    }

    [Fact]
    public async Task MapAsync_FunctionThrows_CountsTheFailedChunkAndItemByErrorType()
    {
        var metrics = new List<MetricSnapshot>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "metrics-failure" });

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.MapAsync(PoolTargets.ThrowOnSeven, Enumerable.Range(0, 10), chunkSize: 1).WaitAsync(Bound));
        await pool.GetWorkerPidsAsync().WaitAsync(Bound);
        meters.ForceFlush();

        var tags = new[] { ("actorparallel.pool.name", "metrics-failure"), ("error.type", typeof(InvalidOperationException).FullName!) };
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.chunks.failed", "{chunk}", tags));
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.items.failed", "{item}", tags));
    }

    [Fact]
    public async Task MapAsync_RetriedByPolicyAndAfterAWorkerDied_CountsRetriesByReasonAndTheExitByKind()
    {
        var metrics = new List<MetricSnapshot>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "metrics-retries", MaxChunkLosses = 2 });
        var tries = Directory.CreateDirectory(ScratchFile($"tries-{Guid.NewGuid():N}")).FullName;

        var squares = await pool.MapAsync(FailingFirst(tries, 3), Enumerable.Range(0, 6), chunkSize: 1,
            itemOptions: new ItemOptions { Retry = new RetryStrategyOptions { Delay = TimeSpan.Zero } }).WaitAsync(Bound);
        var lost = await Assert.ThrowsAsync<WorkerLostException>(() => pool.MapAsync(PoolTargets.DieOnFive, [5], chunkSize: 1).WaitAsync(Bound));
        await pool.GetWorkerPidsAsync().WaitAsync(Bound);
        meters.ForceFlush();

        Assert.Equal([0, 1, 4, 9, 16, 25], squares);
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.chunks.retried", "{chunk}", ("actorparallel.pool.name", "metrics-retries"), ("actorparallel.retry.reason", "policy")));
        // The first try's failure was retried and the call succeeded: nothing failed for the caller.
        Assert.Equal(0, Sum(metrics, "actorparallel.pool.items.failed", "{item}", ("actorparallel.pool.name", "metrics-retries"), ("error.type", typeof(InvalidOperationException).FullName!)));
        // The poison chunk, alone on its worker, runs again once after the first death and fails after the second.
        Assert.Contains("2 times", lost.Message);
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.chunks.retried", "{chunk}", ("actorparallel.pool.name", "metrics-retries"), ("actorparallel.retry.reason", "worker_lost")));
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.chunks.failed", "{chunk}", ("actorparallel.pool.name", "metrics-retries"), ("error.type", typeof(WorkerLostException).FullName!)));
        Assert.Equal(2, Sum(metrics, "actorparallel.worker.exited", "{process}", ("actorparallel.runtime.name", SystemName), ("actorparallel.exit.kind", "fail_fast")));
    }

    [Fact]
    public async Task MapAsync_AnItemThatFailsEveryRetry_CountsOneFailedItemAndEachRetry()
    {
        var metrics = new List<MetricSnapshot>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "metrics-retries-out" });

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.MapAsync(PoolTargets.ThrowOnSeven, Enumerable.Range(0, 10), chunkSize: 1,
            itemOptions: new ItemOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero } }).WaitAsync(Bound));
        await pool.GetWorkerPidsAsync().WaitAsync(Bound);
        meters.ForceFlush();

        // Three tries, one failure for the caller: the counters say the same.
        var tags = new[] { ("actorparallel.pool.name", "metrics-retries-out"), ("error.type", typeof(InvalidOperationException).FullName!) };
        Assert.Equal(2, Sum(metrics, "actorparallel.pool.chunks.retried", "{chunk}", ("actorparallel.pool.name", "metrics-retries-out"), ("actorparallel.retry.reason", "policy")));
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.items.failed", "{item}", tags));
        Assert.Equal(1, Sum(metrics, "actorparallel.pool.chunks.failed", "{chunk}", tags));
    }

    [Fact]
    public async Task SharedValue_SetAndAddedByAWorker_CountsTheServersOperationsByKind()
    {
        var metrics = new List<MetricSnapshot>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        await using var manager = await Manager.StartAsync(Runtime);
        var total = manager.Value(0L);

        await total.SetAsync(5).WaitAsync(Bound);
        var adder = Create(SharedTargets.AddHalves, manager.Value(0.0), 10);
        await adder.StartAsync().WaitAsync(Bound);
        await Joined(adder);
        meters.ForceFlush();

        Assert.Equal(0, adder.ExitCode);
        Assert.Equal(1, Sum(metrics, "actorparallel.shared.operations", "{operation}", ("actorparallel.runtime.name", SystemName), ("actorparallel.shared.operation", "set_value")));
        Assert.True(Sum(metrics, "actorparallel.shared.operations", "{operation}", ("actorparallel.runtime.name", SystemName), ("actorparallel.shared.operation", "add_to_value")) >= 1);
    }

    [Fact]
    public async Task WorkerProcess_ExitsWithACode_CountedAsExitedAndSpannedStartAndJoin()
    {
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorParallelTelemetry.MeterName).AddInMemoryExporter(metrics).Build();
        using var tracer = Tracer(spans);
        using var root = TestSource.StartActivity("test")!;
        var process = Create(TestTargets.ExitWith, 3);

        await process.StartAsync().WaitAsync(Bound);
        Assert.True(await process.JoinAsync().WaitAsync(Bound));
        meters.ForceFlush();

        Assert.Equal(1, Sum(metrics, "actorparallel.worker.exited", "{process}", ("actorparallel.runtime.name", SystemName), ("actorparallel.exit.kind", "exited")));
        var mine = spans.Where(span => span.TraceId == root.TraceId).ToList();
        var start = Assert.Single(mine, span => span.DisplayName == "actorparallel.process.start");
        var join = Assert.Single(mine, span => span.DisplayName == "actorparallel.process.join");
        Assert.Equal((root.SpanId, root.SpanId), (start.ParentSpanId, join.ParentSpanId));
        Assert.Equal(process.Pid, start.GetTagItem("process.pid"));
        Assert.Equal(3, join.GetTagItem("process.exit.code"));
    }

    [Fact]
    public async Task MapAsync_Traced_ChunkSpansTimedInTheWorkersAreChildrenOfTheMapSpan()
    {
        var spans = new List<Activity>();
        using var tracer = Tracer(spans);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "traced-map" });
        var workers = await pool.WaitForWorkersAsync().WaitAsync(Bound);
        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            await pool.MapAsync(PoolTargets.SlowPid, Enumerable.Range(0, 8), chunkSize: 2).WaitAsync(Bound);
        }

        var mine = spans.Where(span => span.TraceId == root.TraceId).ToList();
        var map = Assert.Single(mine, span => span.DisplayName == "actorparallel.map");
        Assert.Equal(root.SpanId, map.ParentSpanId);
        var chunks = mine.Where(span => span.DisplayName == "actorparallel.chunk").ToList();
        Assert.Equal(4, chunks.Count);
        Assert.All(chunks, chunk =>
        {
            Assert.Equal(map.SpanId, chunk.ParentSpanId);
            Assert.Contains((int)chunk.GetTagItem("process.pid")!, workers);
            Assert.Equal("traced-map", chunk.GetTagItem("actorparallel.pool.name"));
            Assert.NotEqual(chunk.SpanId.ToHexString(), chunk.GetTagItem("actorparallel.worker.span_id"));
            // Timed in the worker, inside the map's span (one machine, one clock).
            Assert.InRange(chunk.StartTimeUtc, map.StartTimeUtc, map.StartTimeUtc + map.Duration);
            Assert.InRange(chunk.StartTimeUtc + chunk.Duration, map.StartTimeUtc, map.StartTimeUtc + map.Duration);
            Assert.True(chunk.Duration > TimeSpan.Zero);
        });
        Assert.Equal([0, 1, 2, 3], chunks.Select(chunk => (int)chunk.GetTagItem("actorparallel.chunk.seq")!).Order());
    }

    [Fact]
    public async Task MapAsync_TracedFunctionThrows_ChunkAndMapSpansHaveErrorStatus()
    {
        var spans = new List<Activity>();
        using var tracer = Tracer(spans);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "traced-failure" });
        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => pool.MapAsync(PoolTargets.ThrowOnSeven, [7], chunkSize: 1).WaitAsync(Bound));
        }

        var mine = spans.Where(span => span.TraceId == root.TraceId).ToList();
        var map = Assert.Single(mine, span => span.DisplayName == "actorparallel.map");
        var chunk = Assert.Single(mine, span => span.DisplayName == "actorparallel.chunk");
        Assert.Equal((ActivityStatusCode.Error, ActivityStatusCode.Error), (map.Status, chunk.Status));
        Assert.Equal(typeof(InvalidOperationException).FullName, map.GetTagItem("error.type"));
        Assert.Equal(map.SpanId, chunk.ParentSpanId);
    }

    [Fact]
    public async Task ApplyAsync_Traced_EachCallHasItsSpanWithItsChunk()
    {
        var spans = new List<Activity>();
        using var tracer = Tracer(spans);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, Name = "traced-apply" });
        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => pool.ApplyAsync(() => Environment.ProcessId))).WaitAsync(Bound);
            Assert.Equal(root, Activity.Current);
        }

        var mine = spans.Where(span => span.TraceId == root.TraceId).ToList();
        var calls = mine.Where(span => span.DisplayName == "actorparallel.apply").ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, call => Assert.Equal(root.SpanId, call.ParentSpanId));
        var chunks = mine.Where(span => span.DisplayName == "actorparallel.chunk").ToList();
        Assert.Equal(calls.Select(call => call.SpanId.ToHexString()).Order(), chunks.Select(chunk => chunk.ParentSpanId.ToHexString()).Order());
    }

    // Made apart from the test: a lambda written in a test would share its closure with the test's pool, which cannot travel.
    private static Func<int, int> FailingFirst(string tries, int failing) => x => PoolTargets.SquareFailingFirst(tries, failing, 1, x);

    private static TracerProvider Tracer(List<Activity> spans) =>
        Sdk.CreateTracerProviderBuilder().AddSource(ActorParallelTelemetry.ActivitySourceName, TestSource.Name).AddInMemoryExporter(spans).Build()!;

    /// <summary>The metric's points (from its last export) whose tags include every one of <paramref name="tags"/>; checks its unit.</summary>
    private static List<MetricPoint> Points(List<MetricSnapshot> metrics, string name, string unit, params (string Key, string Value)[] tags)
    {
        var metric = metrics.LastOrDefault(m => m.Name == name) ?? throw new Xunit.Sdk.XunitException($"No metric {name} was exported; saw {string.Join(", ", metrics.Select(m => m.Name).Distinct())}.");
        Assert.Equal(ActorParallelTelemetry.MeterName, metric.MeterName);
        Assert.Equal(unit, metric.Unit);
        return metric.MetricPoints.Where(point => tags.All(tag => HasTag(point, tag.Key, tag.Value))).ToList();
    }

    private static long Sum(List<MetricSnapshot> metrics, string name, string unit, params (string Key, string Value)[] tags) =>
        Points(metrics, name, unit, tags).Sum(point => point.GetSumLong());

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }
        return false;
    }
}
