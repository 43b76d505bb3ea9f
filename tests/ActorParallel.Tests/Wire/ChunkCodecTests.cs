using ActorParallel.Pooling;
using ActorParallel.Wire;

namespace ActorParallel.Tests.Wire;

/// <summary>A chunk's items and results: the typed form for tuples, arrays and small primitives, the tagged form for the rest.</summary>
public sealed class ChunkCodecTests
{
    private const byte TypedForm = 0xF0;

    public sealed record Point(int X, int Y);

    [Fact]
    public void DecodeItems_PairsWithNulls_RoundTripInTheTypedForm()
    {
        (int, string?)[] items = [(1, "one"), (-2, null), (int.MaxValue, "")];

        var bytes = ChunkCodec.EncodeItems(items, "items");

        Assert.Equal(TypedForm, bytes[0]);
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

    [Fact]
    public void EncodeItems_IntsAndRecords_KeepTheTaggedForm()
    {
        var ints = ChunkCodec.EncodeItems(new[] { 1, 2, 3 }, "items");
        var points = ChunkCodec.EncodeItems(new[] { new Point(1, 2), new Point(-3, 4) }, "items");
        // A tuple holding a type with no typed codec goes whole through the tagged form.
        var mixed = ChunkCodec.EncodeItems(new[] { (1, new Point(5, 6)) }, "items");

        Assert.NotEqual(TypedForm, ints[0]);
        Assert.NotEqual(TypedForm, points[0]);
        Assert.NotEqual(TypedForm, mixed[0]);
        Assert.Equal([1, 2, 3], ChunkCodec.DecodeItems<int>(ints));
        Assert.Equal([new Point(1, 2), new Point(-3, 4)], ChunkCodec.DecodeItems<Point>(points));
        Assert.Equal([(1, new Point(5, 6))], ChunkCodec.DecodeItems<(int, Point)>(mixed));
    }

    [Fact]
    public void DecodeItems_TypedFormForATypeWithoutACodec_FailsNamingTheType()
    {
        var bytes = ChunkCodec.EncodeItems(new[] { (1, 2) }, "items");

        var error = Assert.Throws<WireFormatException>(() => ChunkCodec.DecodeItems<Point>(bytes));

        Assert.Contains(nameof(Point), error.Message);
    }
}
