using ActorParallel.Protocol;
using ActorParallel.Serialization;

namespace ActorParallel.Tests.Serialization;

/// <summary>
/// Get-only properties (<c>{ get; } = new()</c>, the usual C# pattern for collections) travel with
/// their values, on the typed path (map items and results) and as an object (arguments, captures,
/// queue items); a type whose get-only property could not be restored is refused naming it, never
/// rebuilt silently as its constructor leaves it.
/// </summary>
public sealed class GetOnlyPropertyTests
{
    public sealed class Order
    {
        public string Id { get; set; } = "";

        public List<string> Lines { get; } = [];

        public Dictionary<string, int> Quantities { get; } = [];
    }

    public sealed class Job
    {
        public Guid Id { get; } = Guid.NewGuid();

        public string Name { get; set; } = "";
    }

    /// <summary>A get-only property of a type only MessagePack carries (declared as object), which could not restore it.</summary>
    public sealed class Stamped
    {
        public object Payload { get; } = new List<int> { 1 };
    }

    /// <summary>The same property, declared on a base type.</summary>
    public class StampedBase
    {
        public object Payload { get; } = new List<int> { 1 };
    }

    public sealed class DerivedStamped : StampedBase
    {
        public string Label { get; set; } = "";
    }

    private static Order MakeOrder()
    {
        var order = new Order { Id = "A1" };
        order.Lines.AddRange(["x", "y"]);
        order.Quantities["x"] = 3;
        return order;
    }

    [Fact]
    public void TypedItems_GetOnlyCollectionsAndAGuid_ArriveAsTheyWere()
    {
        var order = MakeOrder();
        var job = new Job { Name = "build" };

        var orders = ChunkCodec.DecodeItems<Order>(ChunkCodec.EncodeItems(new[] { order }, "items"));
        var jobs = ChunkCodec.DecodeItems<Job>(ChunkCodec.EncodeItems(new[] { job }, "items"));

        Assert.Equal("A1", orders[0].Id);
        Assert.Equal(["x", "y"], orders[0].Lines);
        Assert.Equal(3, orders[0].Quantities["x"]);
        Assert.Equal(job.Id, jobs[0].Id);
        Assert.Equal("build", jobs[0].Name);
    }

    [Fact]
    public void AsAnObject_GetOnlyCollectionsAndAGuid_ArriveAsTheyWere()
    {
        var order = MakeOrder();
        var job = new Job { Name = "build" };

        var decodedOrder = Assert.IsType<Order>(ValueCodec.Decode(ValueCodec.Encode(order, "argument 1")));
        var decodedJob = Assert.IsType<Job>(ValueCodec.Decode(ValueCodec.Encode(job, "argument 1")));

        Assert.Equal(["x", "y"], decodedOrder.Lines);
        Assert.Equal(3, decodedOrder.Quantities["x"]);
        Assert.Equal(job.Id, decodedJob.Id);
    }

    [Fact]
    public void GetOnlyPropertyThatCannotBeRestored_IsRefusedNamingIt_AsAnObjectAndAsMapItems()
    {
        var asObject = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new Stamped(), "argument 1"));
        var asItems = Assert.Throws<NotShippableException>(() => ChunkCodec.EncodeItems(new[] { new Stamped() }, "items"));
        var inherited = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new DerivedStamped(), "argument 1"));

        foreach (var error in new[] { asObject, asItems, inherited })
        {
            Assert.Contains("property 'Payload' has neither a setter nor a constructor parameter", error.Message);
        }
    }

    [Fact]
    public void TypedItems_GuidsDecimalsDatesAndDurations_RoundTripExactly()
    {
        var items = new[] { (Guid.NewGuid(), 12345.6789m, new DateTime(2026, 11, 30, 1, 2, 3, DateTimeKind.Utc), TimeSpan.FromTicks(-123456789)) };

        Assert.Equal(items, ChunkCodec.DecodeItems<(Guid, decimal, DateTime, TimeSpan)>(ChunkCodec.EncodeItems(items, "items")));
    }
}
