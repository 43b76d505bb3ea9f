using ActorParallel;
using ActorParallel.Processes;
using ActorParallel.Wire;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Wire;

public sealed class WireSerializerTests : TestKit
{
    public WireSerializerTests()
        : base(ParallelRuntime.AkkaConfiguration, "wire-tests")
    {
    }

    public static TheoryData<object> Messages() =>
    [
        new WorkerHello("akka.tcp://actorparallel@127.0.0.1:41234", 4321),
        new TargetFinished(null),
        new TargetFinished(new RemoteError("System.Exception", "outer", "at A()", new RemoteError("System.IO.IOException", "inner ✓", "at B()", null))),
        new ExitWorker(-15),
        ActorParallel.Pooling.PrepareToServe.Instance,
        new ActorParallel.Shared.AddToValue("value-1", "writer-7", 3, -12, 0.125),
        new ActorParallel.Shared.ValueRead("value-1", 42, -1.5e300),
        new ActorParallel.Shared.SetValue("value-1", "writer-7", 4, 0, double.Epsilon),
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
    public void FromBinary_RunTarget_KeepsCallBytes()
    {
        var message = new RunTarget("Process-1", [1, 2, 3, 250]);
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var copy = Assert.IsType<RunTarget>(serializer.FromBinary(serializer.ToBinary(message), typeof(RunTarget)));

        Assert.Equal("Process-1", copy.ProcessName);
        Assert.Equal(message.Call, copy.Call);
    }

    [Fact]
    public void FromBinary_UnknownTag_ThrowsWireFormatException()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new ExitWorker(0));

        Assert.Throws<WireFormatException>(() => serializer.FromBinary([99, 1, 2], typeof(object)));
    }
}
