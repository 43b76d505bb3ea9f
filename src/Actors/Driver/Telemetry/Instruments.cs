using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorParallel.Protocol;

namespace ActorParallel.Driver;

/// <summary>
/// The library's <see cref="Meter"/> and <see cref="ActivitySource"/> and every instrument, named as
/// <see cref="ActorParallelTelemetry"/> documents them. Recording is a field read and an add: no
/// allocation per item, and next to nothing while no listener is subscribed.
/// </summary>
internal static class Instruments
{
    public const string MapSpan = "actorparallel.map";
    public const string ApplySpan = "actorparallel.apply";
    public const string ChunkSpanName = ChunkSpan.ActivityName;
    public const string ProcessStartSpan = "actorparallel.process.start";
    public const string ProcessJoinSpan = "actorparallel.process.join";

    public const string PoolNameTag = "actorparallel.pool.name";
    public const string ErrorTypeTag = "error.type";
    public const string RetryReasonTag = "actorparallel.retry.reason";
    public const string ExitKindTag = "actorparallel.exit.kind";
    public const string DirectionTag = "network.io.direction";
    public const string SharedOperationTag = "actorparallel.shared.operation";
    public const string RuntimeNameTag = "actorparallel.runtime.name";

    public static readonly Meter Meter = new(ActorParallelTelemetry.MeterName, typeof(Instruments).Assembly.GetName().Version?.ToString(3));

    public static readonly ActivitySource Source = new(ActorParallelTelemetry.ActivitySourceName, typeof(Instruments).Assembly.GetName().Version?.ToString(3));

    public static readonly Counter<long> ItemsCompleted = Meter.CreateCounter<long>("actorparallel.pool.items.completed", "{item}", "Items whose results came back from a worker.");

    public static readonly Counter<long> ItemsFailed = Meter.CreateCounter<long>("actorparallel.pool.items.failed", "{item}", "Items whose function threw, ran past its deadline or lost its worker too often, once per failure its caller gets.");

    public static readonly Counter<long> ChunksCompleted = Meter.CreateCounter<long>("actorparallel.pool.chunks.completed", "{chunk}", "Chunks whose results came back from a worker.");

    public static readonly Counter<long> ChunksFailed = Meter.CreateCounter<long>("actorparallel.pool.chunks.failed", "{chunk}", "Chunks that failed (the function threw, an item ran past its deadline, its worker died too often).");

    public static readonly Counter<long> ChunksRetried = Meter.CreateCounter<long>("actorparallel.pool.chunks.retried", "{chunk}", "Chunks run again: their worker died (worker_lost) or the call's retry policy said so (policy).");

    public static readonly Histogram<double> ChunkDuration = Meter.CreateHistogram(
        "actorparallel.pool.chunk.duration",
        "s",
        "Compute time of a chunk in its worker.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60] });

    public static readonly UpDownCounter<long> Backlog = Meter.CreateUpDownCounter<long>("actorparallel.pool.backlog", "{chunk}", "Chunks of running maps read from their input and not yet finished.");

    public static readonly Counter<long> WorkersStarted = Meter.CreateCounter<long>("actorparallel.worker.started", "{process}", "Worker processes started.");

    public static readonly Counter<long> WorkersExited = Meter.CreateCounter<long>("actorparallel.worker.exited", "{process}", "Worker processes that ended, by cause.");

    public static readonly UpDownCounter<long> WorkersAlive = Meter.CreateUpDownCounter<long>("actorparallel.worker.count", "{process}", "Worker processes alive.");

    public static readonly Counter<long> LinkBytes = Meter.CreateCounter<long>("actorparallel.link.io", "By", "Bytes on the direct links to local worker processes.");

    public static readonly Counter<long> SharedOperations = Meter.CreateCounter<long>("actorparallel.shared.operations", "{operation}", "Requests served by the driver's shared-object server.");

    public static readonly KeyValuePair<string, object?> Transmit = new(DirectionTag, "transmit");

    public static readonly KeyValuePair<string, object?> Receive = new(DirectionTag, "receive");

    public static readonly KeyValuePair<string, object?> RetriedWorkerLost = new(RetryReasonTag, "worker_lost");

    public static readonly KeyValuePair<string, object?> RetriedByPolicy = new(RetryReasonTag, "policy");

    private static readonly KeyValuePair<string, object?>[] ExitKinds = Enum.GetValues<WorkerExitKind>()
        .Select(kind => new KeyValuePair<string, object?>(ExitKindTag, SnakeCase(kind.ToString())))
        .ToArray();

    /// <summary>The <c>actorparallel.exit.kind</c> tag of <paramref name="kind"/>, made once.</summary>
    public static KeyValuePair<string, object?> ExitKind(WorkerExitKind kind) =>
        (int)kind >= 0 && (int)kind < ExitKinds.Length ? ExitKinds[(int)kind] : new(ExitKindTag, SnakeCase(kind.ToString()));

    /// <summary>Records one worker process's start: counted, and alive.</summary>
    /// <param name="runtime">The <c>actorparallel.runtime.name</c> tag: the runtime's ActorSystem name.</param>
    public static void WorkerStarted(KeyValuePair<string, object?> runtime)
    {
        WorkersStarted.Add(1, runtime);
        WorkersAlive.Add(1, runtime);
    }

    /// <summary>Records one worker process's exit: counted by cause, and no longer alive.</summary>
    /// <param name="runtime">The <c>actorparallel.runtime.name</c> tag: the runtime's ActorSystem name.</param>
    /// <param name="kind">What ended it.</param>
    public static void WorkerExited(KeyValuePair<string, object?> runtime, WorkerExitKind kind)
    {
        WorkersExited.Add(1, runtime, ExitKind(kind));
        WorkersAlive.Add(-1, runtime);
    }

    /// <summary>
    /// Records a chunk's span as its worker timed it, as a child of <paramref name="parent"/>: with the
    /// worker's start and end, the worker's pid and the id the span had in the worker.
    /// </summary>
    public static void RecordChunkSpan(ChunkSpan span, ActivityContext parent, int pid, string poolName)
    {
        if (!Source.HasListeners())
        {
            return;
        }
        var start = new DateTimeOffset(span.StartTicks, TimeSpan.Zero);
        var current = Activity.Current;
        using var activity = Source.StartActivity(ChunkSpanName, ActivityKind.Internal, parent, startTime: start);
        if (activity is null)
        {
            return;
        }
        if (activity.IsAllDataRequested)
        {
            Span<byte> id = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(id, span.SpanId);
            activity.SetTag("actorparallel.chunk.seq", span.Seq);
            activity.SetTag("process.pid", pid);
            activity.SetTag("actorparallel.worker.span_id", ActivitySpanId.CreateFromBytes(id).ToHexString());
            activity.SetTag(PoolNameTag, poolName);
        }
        if (span.Failed)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
        activity.SetEndTime((start + TimeSpan.FromTicks(span.DurationTicks)).UtcDateTime);
        activity.Stop();
        Activity.Current = current;
    }

    /// <summary>Starts a span for a call that ends elsewhere (in a callback): the caller's <see cref="Activity.Current"/> stays as it was.</summary>
    public static Activity? StartDetached(string name)
    {
        var current = Activity.Current;
        var activity = Source.StartActivity(name);
        Activity.Current = current;
        return activity;
    }

    /// <summary>Ends a span started by <see cref="StartDetached"/>, leaving this thread's <see cref="Activity.Current"/> as it was.</summary>
    public static void StopDetached(Activity? activity, Exception? error = null)
    {
        if (activity is null)
        {
            return;
        }
        var current = Activity.Current;
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag(ErrorTypeTag, error.GetType().FullName);
        }
        activity.Stop();
        Activity.Current = current;
    }

    /// <summary>Counts a request to the shared-object server by its kind; other messages are not counted.</summary>
    /// <param name="message">What the server received.</param>
    /// <param name="runtime">The runtime's ActorSystem name (<c>actorparallel.runtime.name</c>).</param>
    public static void CountSharedOperation(object message, string runtime)
    {
        var operation = message switch
        {
            SetValue => "set_value",
            ReadValue => "read_value",
            AddToValue => "add_to_value",
            AppendValues => "append_values",
            EditList => "edit_list",
            ReadList => "read_list",
            WriteDict => "write_dict",
            ReadDict => "read_dict",
            AcquireLock => "acquire_lock",
            ReleaseLock => "release_lock",
            DeleteShared => "delete",
            _ => null,
        };
        if (operation is not null)
        {
            SharedOperations.Add(1, new KeyValuePair<string, object?>(SharedOperationTag, operation), new KeyValuePair<string, object?>(RuntimeNameTag, runtime));
        }
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));
}
