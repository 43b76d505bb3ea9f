namespace ActorParallel;

/// <summary>
/// The names under which ActorParallel publishes its metrics (<see cref="System.Diagnostics.Metrics.Meter"/>)
/// and traces (<see cref="System.Diagnostics.ActivitySource"/>), for <c>dotnet-counters</c>
/// (<c>dotnet-counters monitor -n MyApp --counters ActorParallel</c>) or the OpenTelemetry SDK
/// (<c>.AddMeter(ActorParallelTelemetry.MeterName)</c>, <c>.AddSource(ActorParallelTelemetry.ActivitySourceName)</c>).
/// The library depends on no exporter: nothing is measured or recorded until a listener subscribes.
/// </summary>
/// <remarks>
/// <para>Instruments (OpenTelemetry naming: dotted lowercase names, UCUM units), all recorded in the driver's process:</para>
/// <list type="bullet">
/// <item><c>actorparallel.pool.items.completed</c> (counter, <c>{item}</c>): items whose results came back.</item>
/// <item><c>actorparallel.pool.items.failed</c> (counter, <c>{item}</c>): items whose function threw, ran past its deadline or lost its worker too often, once per failure its caller gets (tries a retry policy ran again are <c>chunks.retried</c>; tag <c>error.type</c>).</item>
/// <item><c>actorparallel.pool.chunks.completed</c> / <c>actorparallel.pool.chunks.failed</c> (counters, <c>{chunk}</c>): the same per chunk (a task of <c>chunkSize</c> items).</item>
/// <item><c>actorparallel.pool.chunks.retried</c> (counter, <c>{chunk}</c>): chunks run again; tag <c>actorparallel.retry.reason</c> is <c>worker_lost</c> or <c>policy</c>.</item>
/// <item><c>actorparallel.pool.chunk.duration</c> (histogram, <c>s</c>): a chunk's compute time in its worker.</item>
/// <item><c>actorparallel.pool.backlog</c> (up-down counter, <c>{chunk}</c>): chunks of running maps read from their input and not yet finished.</item>
/// <item><c>actorparallel.worker.started</c> / <c>actorparallel.worker.exited</c> (counters, <c>{process}</c>) and <c>actorparallel.worker.count</c>
/// (up-down counter, <c>{process}</c>): worker processes this process started, that ended (tag <c>actorparallel.exit.kind</c>,
/// a <see cref="WorkerExitKind"/> in snake case: <c>exited</c>, <c>killed_by_driver</c>, <c>signal</c>, <c>out_of_memory</c>...) and that are alive;
/// tag <c>actorparallel.runtime.name</c> is the runtime's <see cref="ParallelRuntimeOptions.SystemName"/>.</item>
/// <item><c>actorparallel.link.io</c> (counter, <c>By</c>): bytes on the direct links to local workers; tag <c>network.io.direction</c> is <c>transmit</c> or <c>receive</c>.</item>
/// <item><c>actorparallel.shared.operations</c> (counter, <c>{operation}</c>): requests served by the driver's shared-object server; tags <c>actorparallel.shared.operation</c> and <c>actorparallel.runtime.name</c>.</item>
/// </list>
/// <para>Pool instruments carry <c>actorparallel.pool.name</c>. Spans: <c>actorparallel.map</c> and <c>actorparallel.apply</c> on the
/// caller's trace; <c>actorparallel.chunk</c>, a child of its map's span, timed in the worker process (or on a Host node) that ran it;
/// <c>actorparallel.process.start</c> and <c>actorparallel.process.join</c> around <see cref="WorkerProcess"/>'s calls.</para>
/// </remarks>
public static class ActorParallelTelemetry
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>ActorParallel</c>.</summary>
    public const string MeterName = "ActorParallel";

    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>: <c>ActorParallel</c>.</summary>
    public const string ActivitySourceName = "ActorParallel";
}
