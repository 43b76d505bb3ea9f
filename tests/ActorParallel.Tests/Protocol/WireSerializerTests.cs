using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Protocol;

public sealed class WireSerializerTests : TestKit
{
    // The serializer bindings without the cluster provider: a cluster system stopped moments after
    // it started waits 5 s in Akka's shutdown, which every test of this class paid.
    public WireSerializerTests()
        : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(ParallelRuntime.AkkaConfiguration), "wire-tests")
    {
    }

    public static TheoryData<object> Messages() =>
    [
        new WorkerHello("akka.tcp://actorparallel@127.0.0.1:41234", 4321),
        new TargetFinished(null),
        new TargetFinished(new RemoteError("System.Exception", "outer", "at A()", new RemoteError("System.IO.IOException", "inner ✓", "at B()", null))),
        new ExitWorker(-15),
        ActorParallel.Protocol.PrepareToServe.Instance,
        new ActorParallel.Protocol.PinComputeThread(1023),
        new ActorParallel.Protocol.AddToValue("value-1", "writer-7", 3, -12, 0.125),
        new ActorParallel.Protocol.ValueRead("value-1", 42, -1.5e300),
        new ActorParallel.Protocol.SetValue("value-1", "writer-7", 4, 0, double.Epsilon),
        new ActorParallel.Protocol.SharedCall(7, "akka.tcp://actorparallel@127.0.0.1:41234/user/actorparallel-shared-1", new ActorParallel.Protocol.AddToValue("value-1", "writer-7", 3, 1, 0), TimeSpan.FromSeconds(5)),
        new ActorParallel.Protocol.SharedCall(9, "akka.tcp://actorparallel@127.0.0.1:41234/user/actorparallel-shared-1", new ActorParallel.Protocol.ReadValue("value-1"), Timeout.InfiniteTimeSpan),
        new ActorParallel.Protocol.SharedReply(7, new ActorParallel.Protocol.ValueRead("value-1", 42, 0.5), null, false),
        new ActorParallel.Protocol.SharedReply(8, null, "The driver's shared-state host cannot be reached ✗", false),
        new ActorParallel.Protocol.SharedReply(9, null, "The driver's shared-state host did not answer within 00:00:05.", true),
        new ActorParallel.Protocol.ManagerDisposed("actorparallel-shared-3", "list-4 ✓"),
        new ActorParallel.Protocol.EditList("list-4", ActorParallel.Protocol.ListEditKind.Pop, -1, null),
        new ActorParallel.Protocol.ListEdited("list-4", ActorParallel.Protocol.ListEditOutcome.IndexOutOfRange, 0, null),
        new ProcessStarted(5, 4321),
        new ProcessStartFailed(5, "no such executable ✗"),
        new JoinProcess(5),
        new TerminateProcess(6),
        new KillProcess(7),
        new ProcessNotFound(8),
        new ProcessExited(5, 4321, -9, null),
        new ProcessExited(5, 4321, 1, new RemoteError("System.InvalidOperationException", "bad", "at T()", null)),
        new ProcessExited(5, 4321, -6, null) { Cause = new WorkerExitCause(WorkerExitKind.FailFast, -6, "Environment.FailFast: boom ✗") { Detail = "boom ✗", StderrTail = ["Process terminated.", "boom ✗", "   at Program.Main()"] } },
        new ProcessExited(5, 4321, -9, null) { Cause = new WorkerExitCause(WorkerExitKind.OutOfMemory, -9, "out of memory") },
        new ActorParallel.Protocol.SetMemoryBudget(500_000_000),
        new ActorParallel.Protocol.MemoryOverBudget(812_000_000, 500_000_000),
        ActorParallel.Protocol.ReclaimChunks.Instance,
        ListProcesses.Instance,
        ActorParallel.Protocol.BulkQuery.Instance,
        new ActorParallel.Protocol.BulkEndpoint("127.0.0.1", 40123, "00FF17"),
        ActorParallel.Protocol.BulkEndpoint.None,
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void FromBinary_ToBinaryOfMessage_RoundTripsThroughTheBoundSerializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var copy = serializer.FromBinary(serializer.ToBinary(message), message.GetType());

        Assert.IsType<WireSerializer>(serializer);
        Assert.Equal(message, copy);
    }

    [Fact]
    public void FromBinary_ChunkMessagesWithTraceContextsAndSpans_RoundTrip()
    {
        var serializer = new WireSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var span = new ChunkSpan(3, 0x00f067aa0ba902b7, 638_000_000_000_000_000, 12_345, Failed: true);
        var run = new RunChunks(7, [1, 2], [new ChunkPayload(3, 0, 1, new byte[] { 9 }), new ChunkPayload(4, 0, 1, new byte[] { 8 })], TimeSpan.FromSeconds(2), 1_000_000, [new ChunkTrace(3, parent), new ChunkTrace(ChunkTrace.EveryChunk, parent)]);
        var results = new ChunkResults(7, [new ChunkPayload(3, 0, 1, new byte[] { 5 })], 99, [span with { Failed = false }]);
        var failed = new ChunkFailed(7, 3, 0, new RemoteError("System.Exception", "no", "at A()", null), span);

        var runCopy = Assert.IsType<RunChunks>(serializer.FromBinary(serializer.ToBinary(run), null));
        var resultsCopy = Assert.IsType<ChunkResults>(serializer.FromBinary(serializer.ToBinary(results), null));
        var failedCopy = Assert.IsType<ChunkFailed>(serializer.FromBinary(serializer.ToBinary(failed), null));

        Assert.Equal(run.Traces, runCopy.Traces.AsEnumerable());
        Assert.Equal([3, 4], runCopy.Chunks.Select(chunk => chunk.Seq));
        Assert.Equal(1_000_000, runCopy.MaxResultBytes);
        Assert.Equal(results.Spans, resultsCopy.Spans.AsEnumerable());
        Assert.Equal(span, failedCopy.Span);
    }

    [Fact]
    public void FromBinary_ChunksReclaimed_RoundTripsItsPairsInOrder()
    {
        var serializer = new WireSerializer((Akka.Actor.ExtendedActorSystem)Sys);

        var copy = Assert.IsType<ChunksReclaimed>(serializer.FromBinary(serializer.ToBinary(new ChunksReclaimed([7, 7, 9], [3, 4, 0])), null));
        var none = Assert.IsType<ChunksReclaimed>(serializer.FromBinary(serializer.ToBinary(new ChunksReclaimed([], [])), null));

        Assert.Equal([7L, 7, 9], copy.MapIds.AsEnumerable());
        Assert.Equal([3, 4, 0], copy.Seqs.AsEnumerable());
        Assert.True(none.Seqs.IsEmpty);
    }

    [Fact]
    public void ToBinary_ChunkMessagesWithoutTraces_EndWhereTheyDidBeforeTracesExisted()
    {
        // Untraced, the optional trailing fields are not written: the bytes are those of the plain messages.
        var serializer = new WireSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var run = new RunChunks(7, null, [new ChunkPayload(3, 0, 1, new byte[] { 9 })]);

        var bytes = serializer.ToBinary(run);
        var copy = Assert.IsType<RunChunks>(serializer.FromBinary(bytes, null));

        Assert.Equal(bytes, serializer.ToBinary(run with { Traces = [] }));
        Assert.True(copy.Traces.IsEmpty);
        Assert.Null(Assert.IsType<ChunkFailed>(serializer.FromBinary(serializer.ToBinary(new ChunkFailed(1, 2, 3, new RemoteError("E", "m", "", null))), null)).Span);
    }

    [Fact]
    public void ToBinary_EveryWireMessageTypeOfTheLibrary_HasTheCodecOfItsProtocol()
    {
        // Each protocol owns its codec: a message type added to a protocol without a case in its codec
        // fails here, not in a remote send at run time. An empty instance is enough to find the case
        // (writing its null fields may throw; only the serializer's own refusal means no codec took it).
        var serializer = new WireSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var messageTypes = typeof(WireSerializer).Assembly.GetTypes()
            .Where(type => typeof(IWireMessage).IsAssignableFrom(type) && type is { IsInterface: false, IsAbstract: false })
            .ToList();
        var refused = new List<string>();
        foreach (var type in messageTypes)
        {
            try
            {
                serializer.ToBinary(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type));
            }
            catch (ArgumentException refusal) when (refusal.Message.Contains("cannot serialize", StringComparison.Ordinal))
            {
                refused.Add(type.Name);
            }
            catch (Exception)
            {
                // A codec took it and met an empty field.
            }
        }

        Assert.True(messageTypes.Count > 40, $"found only {messageTypes.Count} message types");
        Assert.Empty(refused);
    }

    [Fact]
    public void ProcessSpecCreate_LargeArgument_IsCopiedOnceOutOfBandAsItWasAndTravelsWithTheStart()
    {
        var large = Enumerable.Range(0, 100_000).Select(i => (long)i * 3).ToArray();
        var expected = large.ToArray();
        var small = new long[] { 1, 2, 3 };

        var spec = ProcessSpec.Create(ArgumentTargets.Take, [large, small]);
        large[0] = -1;
        var serializer = Sys.Serialization.FindSerializerFor(new StartProcess(spec));
        var copy = Assert.IsType<StartProcess>(serializer.FromBinary(serializer.ToBinary(new StartProcess(spec)), typeof(StartProcess)));

        // The 800 KB argument is beside the call's bytes, not in them, as it was when the spec was made.
        Assert.True(spec.Call.Length < 1024, $"the call's bytes are {spec.Call.Length:N0}");
        Assert.Equal(expected, Assert.IsType<long[]>(Assert.Single(spec.Blocks)));
        Assert.Equal(expected, Assert.IsType<long[]>(Assert.Single(copy.Spec.Blocks)));
        Assert.Equal(spec.Call.ToArray(), copy.Spec.Call.ToArray());
        Assert.Equal(large.Length + small.Length, ShippedCall.Invoke(copy.Spec.Encoded));
    }

    [Fact]
    public void FromBinary_RunTarget_KeepsCallBytesAndItsArrays()
    {
        var large = Enumerable.Range(0, 40_000).Select(i => (double)i).ToArray();
        var message = new RunTarget("Process-1", new Encoded([1, 2, 3, 250], [large]));
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var copy = Assert.IsType<RunTarget>(serializer.FromBinary(serializer.ToBinary(message), typeof(RunTarget)));

        Assert.Equal("Process-1", copy.ProcessName);
        Assert.Equal(message.Call.Bytes, copy.Call.Bytes);
        Assert.Equal(large, Assert.IsType<double[]>(Assert.Single(copy.Call.Blocks)));
    }

    [Fact]
    public void FromBinary_UnknownTag_ThrowsWireFormatException()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new ExitWorker(0));

        Assert.Throws<WireFormatException>(() => serializer.FromBinary([99, 1, 2], typeof(object)));
    }

    [Fact]
    public void FromBinary_SupervisorMessagesWithArraysAndActorRefs_RoundTrip()
    {
        var start = new StartProcess(new ProcessSpec(9, "Process-9", [1, 2, 3]));
        var running = new RunningProcesses([3, 5, 8]);
        var ready = new WorkerReady(9, 1234, TestActor);
        var serializer = Sys.Serialization.FindSerializerFor(start);

        var startCopy = Assert.IsType<StartProcess>(serializer.FromBinary(serializer.ToBinary(start), typeof(object)));
        var runningCopy = Assert.IsType<RunningProcesses>(serializer.FromBinary(serializer.ToBinary(running), typeof(object)));
        var readyCopy = Assert.IsType<WorkerReady>(serializer.FromBinary(serializer.ToBinary(ready), typeof(object)));

        Assert.Equal((9L, "Process-9"), (startCopy.Spec.Id, startCopy.Spec.Name));
        Assert.Equal([1, 2, 3], startCopy.Spec.Call.ToArray());
        Assert.Equal(new long[] { 3, 5, 8 }, runningCopy.ProcessIds.ToArray());
        Assert.Equal(ready, readyCopy);
        Assert.IsType<WireSerializer>(serializer);
    }
}

/// <summary>A process target for the spec tests.</summary>
public static class ArgumentTargets
{
    public static int Take(long[] large, long[] small) => large.Length + small.Length;
}
