using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Serialization;

public sealed class ValueCodecTests
{
    public sealed record Point(int X, int Y, string Label);

    public static TheoryData<object?> Primitives() =>
    [
        null, true, false, 0, -17, long.MinValue, 3.25, float.NaN, "", "héllo ✓",
        new byte[] { 1, 2, 255 }, new[] { 1, -2, int.MaxValue }, new[] { 5L, -6L }, new[] { 0.5, double.MaxValue },
        new[] { "a", "", "ü" }, new object?[] { 1, "two", null, new[] { 3 } },
    ];

    [Theory]
    [MemberData(nameof(Primitives))]
    public void Decode_EncodedPrimitive_RoundTripsExactly(object? value)
    {
        var decoded = ValueCodec.Decode(ValueCodec.Encode(value, "value"));

        Assert.Equal(value, decoded);
        Assert.Equal(value?.GetType(), decoded?.GetType());
    }

    [Fact]
    public void Decode_EncodedRecord_RoundTrips()
    {
        var decoded = ValueCodec.Decode(ValueCodec.Encode(new Point(3, -4, "p"), "value"));

        Assert.Equal(new Point(3, -4, "p"), decoded);
    }

    public static TheoryData<object> TypedValues() =>
    [
        ((short)-3, 'c', (byte)7),
        new[] { (1, "a"), (2, (string?)null) },
        new long[][] { [1, 2], [] },
        new[] { true, false },
        Tuple.Create(1.5f, "x"),
        new List<(int, string)> { (1, "a"), (2, "b") },
        new Dictionary<string, long[]> { ["x"] = [1, 2], ["y"] = [] },
    ];

    [Theory]
    [MemberData(nameof(TypedValues))]
    public void Decode_TuplesAndArraysOfThem_RoundTripWithTheirTypes(object value)
    {
        var decoded = ValueCodec.Decode(ValueCodec.Encode(value, "value"));

        Assert.Equal(value, decoded);
        Assert.Equal(value.GetType(), decoded!.GetType());
    }

    public record Shape(string Name);

    public record Circle(string Name, double Radius) : Shape(Name);

    [Fact]
    public void Encode_DerivedRecordWhereItsBaseIsDeclared_IsRefusedNamingBoth()
    {
        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new Shape[] { new Shape("s"), new Circle("c", 2) }, "argument 1"));

        Assert.Contains("argument 1", error.Message);
        Assert.Contains(typeof(Circle).FullName!.Replace('+', '.'), error.Message);
        Assert.Contains(typeof(Shape).FullName!.Replace('+', '.'), error.Message);
    }

    [Fact]
    public void Decode_DerivedRecordAsTheValueItself_KeepsItsType()
    {
        Shape shape = new Circle("c", 2);

        Assert.Equal(shape, ValueCodec.Decode(ValueCodec.Encode(shape, "value")));
    }

    [Fact]
    public void Decode_ClassWithPublicProperties_RoundTrips()
    {
        var decoded = (Settings)ValueCodec.Decode(ValueCodec.Encode(new Settings { Name = "n", Retries = 3 }, "value"))!;

        Assert.Equal(("n", 3), (decoded.Name, decoded.Retries));
    }

    [Fact]
    public void Encode_ClassWithPrivateState_ThrowsNamingTheField()
    {
        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new Tally(5), "argument 1"));

        Assert.Equal(typeof(Tally), error.ValueType);
        Assert.Contains("'_count'", error.Message);
    }

    [Fact]
    public void Decode_ClassWhosePrivateFieldsItsConstructorSetsFromPublicMembers_RoundTrips_AsAnArrayAndAsAnObject()
    {
        var single = (SetByConstructor)ValueCodec.Decode(ValueCodec.Encode(new SetByConstructor(7, "x"), "argument 1"))!;
        var array = (SetByConstructor[])ValueCodec.Decode(ValueCodec.Encode(new[] { new SetByConstructor(8, "y") }, "argument 1"))!;

        Assert.Equal((7, "x"), (single.Value, single.Name));
        Assert.Equal((8, "y"), (array[0].Value, array[0].Name));
    }

    [Fact]
    public void Decode_ClassWhosePrivateFieldAPublicSetterSets_RoundTrips_AsAnArrayAndAsAnObject()
    {
        var single = (SetBySetter)ValueCodec.Decode(ValueCodec.Encode(new SetBySetter { X = 7 }, "argument 1"))!;
        var array = (SetBySetter[])ValueCodec.Decode(ValueCodec.Encode(new[] { new SetBySetter { X = 8 } }, "argument 1"))!;
        var items = ChunkCodec.DecodeItems<SetBySetter>(ChunkCodec.EncodeItems(new[] { new SetBySetter { X = 9 } }, "items"));

        Assert.Equal((7, 8, 9), (single.X, array[0].X, items[0].X));
    }

    [Fact]
    public void Encode_ArraysAndCollectionsOfAClassWithPrivateState_AreRefusedAsTheClassAloneIs()
    {
        var asArray = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new[] { new Tally(5) }, "argument 1"));
        var inList = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new[] { new List<Tally> { new(5) } }, "argument 1"));
        var inDictionary = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new Dictionary<string, Tally> { ["a"] = new(5) }, "argument 1"));

        Assert.All([asArray, inList, inDictionary], error =>
        {
            Assert.Equal(typeof(Tally), error.ValueType);
            Assert.StartsWith("Cannot ship argument 1 (", error.Message);
            Assert.Contains($"): {typeof(Tally).FullName!.Replace('+', '.')} values in it keep state in the non-public field", error.Message);
            Assert.Contains("'_count'", error.Message);
        });
    }

    [Fact]
    public void Encode_ARecordWhosePropertyGetterThrows_IsRefusedNamingTheValueThePropertyAndWhatItThrew()
    {
        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(new GetterThrows(true), "argument 1"));

        Assert.StartsWith($"Cannot ship argument 1: reading its property 'Value' ({typeof(GetterThrows).FullName!.Replace('+', '.')}) threw InvalidOperationException: getter boom. ", error.Message);
        Assert.Equal("getter boom", Assert.IsType<InvalidOperationException>(error.InnerException).Message);
    }

    [Fact]
    public void Decode_StaticMethodGroup_InvokesTheSameMethod()
    {
        Func<int, int> square = Square;

        var decoded = (Func<int, int>)ValueCodec.Decode(ValueCodec.Encode(square, "f"))!;

        Assert.Equal(49, decoded(7));
    }

    [Fact]
    public void Decode_ClosureOverNestedScopes_KeepsEveryCapturedValue()
    {
        var factor = 3;
        Func<int, int> outer = x => x + 1;
        Func<int, int> function = default!;
        {
            var offset = 10;
            function = x => outer(x) * factor + offset;
        }

        var decoded = (Func<int, int>)ValueCodec.Decode(ValueCodec.Encode(function, "f"))!;

        Assert.Equal(function(4), decoded(4));
        Assert.Equal(25, decoded(4));
    }

    [Fact]
    public void Encode_CapturedThisOfUnshippableType_NamesThisAndTheType()
    {
        var holder = new StreamHolder();

        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(holder.Function(), "target"));

        Assert.Contains("'this'", error.Message);
        Assert.Equal(typeof(StreamHolder), error.ValueType);
    }

    [Fact]
    public void Encode_MulticastDelegate_IsRefused()
    {
        Action both = Nothing;
        both += Nothing;

        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(both, "target"));

        Assert.Contains("multicast", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 200 })]
    [InlineData(new byte[] { 6, 50, 65 })]
    [InlineData(new byte[] { 8, 3, 1, 0 })]
    public void Decode_CorruptBytes_ThrowsWireFormatException(byte[] bytes)
    {
        Assert.Throws<WireFormatException>(() => ValueCodec.Decode(bytes));
    }

    [Fact]
    public void Decode_LambdaMadeInALoopOverAnOuterVariable_RoundTripsAndStillWorks()
    {
        // The compiler caches such a lambda in a field of the closure it captures: the closure holds a
        // delegate whose target is the closure itself.
        var offset = 10;
        var made = new List<Func<int, int>>();
        for (var round = 0; round < 2; round++)
        {
            made.Add(x => x + offset);
        }

        Assert.Same(made[0], made[1]);
        var decoded = (Func<int, int>)ValueCodec.Decode(ValueCodec.Encode(made[1], "the function"))!;

        Assert.Equal(15, decoded(5));
    }

    private static int Square(int x) => x * x;

    private static void Nothing()
    {
    }

    public sealed class Settings
    {
        public string Name { get; set; } = "";

        public int Retries { get; set; }
    }

    /// <summary>Its constructor takes Value, so the typed form reads it (and discards what the constructor gets).</summary>
    public sealed class GetterThrows(bool boom, int value = 0)
    {
        public bool Boom { get; } = boom || value < 0;

        public int Value => Boom ? throw new InvalidOperationException("getter boom") : 1;
    }

    public sealed class SetBySetter
    {
        private int _x;

        public int X
        {
            get => _x;
            set => _x = value;
        }
    }

    public sealed class SetByConstructor(int value, string name)
    {
        private readonly int _value = value;
        private readonly string m_name = name;

        public int Value => _value;

        public string Name => m_name;
    }

    public sealed class Tally(int count)
    {
        private readonly int _count = count;

        public int Doubled() => _count * 2;
    }

    private sealed class StreamHolder : IDisposable
    {
        private readonly MemoryStream _stream = new();

        public Action Function() => () => _stream.WriteByte(1);

        public void Dispose() => _stream.Dispose();
    }

    [Fact]
    public void Encode_ChainOf100000Records_RefusedNamingTypeAndDepth()
    {
        var chain = ErrorTargets.Chain(100_000);

        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(chain, "the chain"));

        Assert.Contains(typeof(Node).FullName!.Replace('+', '.'), error.Message);
        Assert.Contains("1,000 levels", error.Message);
        Assert.Contains("the chain", error.Message);
    }

    [Fact]
    public void Encode_ObjectArraysNested100000Deep_RefusedNamingTypeAndDepth()
    {
        object?[] nested = [null];
        for (var level = 0; level < 100_000; level++)
        {
            nested = [nested];
        }

        var error = Assert.Throws<NotShippableException>(() => ValueCodec.Encode(nested, "the arrays"));

        Assert.Contains("object[]", error.Message);
        Assert.Contains("1,000 levels", error.Message);
    }

    [Fact]
    public void Decode_ChainOf500Records_RoundTrips()
    {
        var decoded = Assert.IsType<Node>(ValueCodec.Decode(ValueCodec.Encode(ErrorTargets.Chain(500), "the chain")));

        Assert.Equal(500, ErrorTargets.Length(decoded));
    }
}
