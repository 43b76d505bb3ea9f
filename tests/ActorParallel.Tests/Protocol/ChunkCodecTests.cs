using ActorParallel.Protocol;

namespace ActorParallel.Tests.Protocol;

/// <summary>A chunk's items and results: the typed form for tuples, arrays and small primitives, the tagged form for the rest.</summary>
public sealed class ChunkCodecTests
{
    private const byte TypedForm = 0xF0;

    public record Point(int X, int Y);

    [Fact]
    public void DecodeItems_PairsWithNulls_RoundTripInTheTypedForm()
    {
        (int, string?)[] items = [(1, "one"), (-2, null), (int.MaxValue, "")];

        var bytes = ChunkCodec.EncodeItems(items, "items");

        Assert.Equal(TypedForm, bytes.Bytes[0]);
        Assert.Equal(items, ChunkCodec.DecodeItems<(int, string?)>(bytes));
    }

    [Fact]
    public void DecodeItems_SevenPrimitivesInATuple_RoundTripExactly()
    {
        (long, double, bool, float, char, short, byte)[] items =
            [(long.MinValue, double.NaN, true, -0.5f, 'ü', short.MinValue, 255), (0, double.MaxValue, false, float.Epsilon, '\0', 7, 0)];

        var decoded = ChunkCodec.DecodeItems<(long, double, bool, float, char, short, byte)>(ChunkCodec.EncodeItems(items, "items"));

        Assert.Equal(items, decoded);
    }

    [Fact]
    public void DecodeItems_ReferenceTuplesAndNestedArrays_RoundTripWithTheirNulls()
    {
        Tuple<int, string>?[] tuples = [Tuple.Create(1, "a"), null];
        long[]?[] arrays = [[1, 2, long.MaxValue], null, []];
        string?[][] strings = [["x", null], []];

        Assert.Equal(tuples, ChunkCodec.DecodeItems<Tuple<int, string>?>(ChunkCodec.EncodeItems(tuples, "items")));
        Assert.Equal(arrays, ChunkCodec.DecodeItems<long[]?>(ChunkCodec.EncodeItems(arrays, "items")));
        Assert.Equal(strings, ChunkCodec.DecodeItems<string?[]>(ChunkCodec.EncodeItems(strings, "items")));
    }

    public record Shape(string Name, Point[] Corners, (int, double)[] Weights)
    {
        public string? Note { get; init; }

        public int CornerCount => Corners.Length;
    }

    public sealed record Order(string Id, List<(string Sku, int Count)> Lines, Dictionary<string, double> Prices);

    public sealed class Settings
    {
        public string? Name { get; set; }

        public int Retries { get; set; }
    }

    public record struct Reading(double Value, bool Valid);

    public record Derived(int X, int Y, string Extra) : Point(X, Y);

    public sealed record Link(int Value, Link? Next);

    public class Named
    {
        public string? Name { get; set; }
    }

    public sealed class Renamed : Named
    {
        public new int Name { get; set; }
    }

    public sealed class Hidden(int value)
    {
        private readonly int _value = value;

        public int Value => _value;
    }

    [Fact]
    public void DecodeItems_RecordsClassesAndRecordStructs_RoundTripInTheTypedForm()
    {
        Shape?[] shapes = [new Shape("tri", [new Point(0, 0), new Point(1, 2)], [(1, 0.5)]) { Note = "n" }, null, new Shape("empty", [], [])];
        Settings[] settings = [new Settings { Name = "a", Retries = 3 }, new Settings()];
        Reading[] readings = [new Reading(1.5, true), default];

        var shapeBytes = ChunkCodec.EncodeItems(shapes, "items");
        var settingsBytes = ChunkCodec.EncodeItems(settings, "items");
        var readingBytes = ChunkCodec.EncodeItems(readings, "items");

        Assert.Equal([TypedForm, TypedForm, TypedForm], new[] { shapeBytes.Bytes[0], settingsBytes.Bytes[0], readingBytes.Bytes[0] });
        var decoded = ChunkCodec.DecodeItems<Shape?>(shapeBytes);
        Assert.Equal(("tri", "n", 2, (1, 0.5)), (decoded[0]!.Name, decoded[0]!.Note, decoded[0]!.CornerCount, decoded[0]!.Weights[0]));
        Assert.Equal(shapes[0]!.Corners, decoded[0]!.Corners);
        Assert.Null(decoded[1]);
        Assert.Empty(decoded[2]!.Corners);
        Assert.Equal([("a", 3), (null, 0)], ChunkCodec.DecodeItems<Settings>(settingsBytes).Select(s => (s.Name, s.Retries)));
        Assert.Equal(readings, ChunkCodec.DecodeItems<Reading>(readingBytes));
    }

    [Fact]
    public void DecodeItems_RecordsHoldingListsAndDictionaries_RoundTripInTheTypedForm()
    {
        Order[] orders = [new Order("o1", [("a", 2), ("b", 1)], new() { ["a"] = 1.5, ["b"] = 0 }), new Order("o2", [], [])];

        var bytes = ChunkCodec.EncodeItems(orders, "items");
        var decoded = ChunkCodec.DecodeItems<Order>(bytes);

        Assert.Equal(TypedForm, bytes.Bytes[0]);
        Assert.Equal(orders.Select(o => (o.Id, o.Lines.ToArray(), o.Prices.OrderBy(p => p.Key).ToArray())), decoded.Select(o => (o.Id, o.Lines.ToArray(), o.Prices.OrderBy(p => p.Key).ToArray())));
    }

    [Fact]
    public void EncodeItems_ADerivedRecordAmongItsBase_GoesTaggedAndKeepsItsType()
    {
        Point[] items = [new Point(1, 2), new Derived(3, 4, "more")];

        var bytes = ChunkCodec.EncodeItems(items, "items");

        Assert.NotEqual(TypedForm, bytes.Bytes[0]);
        Assert.Equal(items, ChunkCodec.DecodeItems<Point>(bytes));
    }

    [Fact]
    public void EncodeItems_IntsAndTypesWithoutATypedForm_KeepTheTaggedForm()
    {
        var ints = ChunkCodec.EncodeItems(new[] { 1, 2, 3 }, "items");
        // A record that contains itself has no bounded shape: MessagePack takes it.
        var links = ChunkCodec.EncodeItems(new[] { new Link(1, new Link(2, null)) }, "items");

        Assert.NotEqual(TypedForm, ints.Bytes[0]);
        Assert.NotEqual(TypedForm, links.Bytes[0]);
        Assert.Equal([1, 2, 3], ChunkCodec.DecodeItems<int>(ints));
        Assert.Equal([new Link(1, new Link(2, null))], ChunkCodec.DecodeItems<Link>(links));
    }

    [Fact]
    public void EncodeItems_APropertyHidingAnotherOfTheSameName_GoesTagged()
    {
        var bytes = ChunkCodec.EncodeItems(new[] { new Renamed { Name = 3 } }, "items");

        Assert.NotEqual(TypedForm, bytes.Bytes[0]);
        Assert.Equal(3, Assert.Single(ChunkCodec.DecodeItems<Renamed>(bytes)).Name);
    }

    [Fact]
    public void EncodeItems_StateInAPrivateField_GoesTaggedAndRoundTrips()
    {
        var bytes = ChunkCodec.EncodeItems(new[] { new Hidden(7) }, "items");

        Assert.NotEqual(TypedForm, bytes.Bytes[0]);
        Assert.Equal(7, Assert.Single(ChunkCodec.DecodeItems<Hidden>(bytes)).Value);
    }

    [Fact]
    public void EncodeItems_ADerivedRecordInsideATuple_IsRefusedNamingBothTypes()
    {
        (int, Point)[] items = [(1, new Point(1, 2)), (2, new Derived(3, 4, "more"))];

        var error = Assert.Throws<NotShippableException>(() => ChunkCodec.EncodeItems(items, "items"));

        Assert.Contains(typeof(Derived).FullName!.Replace('+', '.'), error.Message);
        Assert.Contains(typeof(Point).FullName!.Replace('+', '.'), error.Message);
        Assert.Equal(typeof(Derived), error.ValueType);
    }

    [Fact]
    public void DecodeItems_TypedFormForATypeWithoutACodec_FailsNamingTheType()
    {
        var bytes = ChunkCodec.EncodeItems(new[] { (1, 2) }, "items");

        var error = Assert.Throws<WireFormatException>(() => ChunkCodec.DecodeItems<Link>(bytes));

        Assert.Contains(nameof(Link), error.Message);
    }
}
