using ActorParallel.Serialization;

namespace ActorParallel.Tests.Serialization;

public sealed class TypeNamesTests
{
    public static TheoryData<Type> Types() =>
    [
        typeof(int), typeof(string), typeof(List<int>), typeof(Dictionary<string, int[]>), typeof(int[,]),
        typeof(Func<SharedList<int>, (int, string)>), typeof(Outer.Inner), typeof(Outer.Generic<double>), typeof(Outer.Generic<double>[]),
        typeof(Action<SharedValue<long>, SharedLock>), typeof(int).MakePointerType(), typeof(int).MakeByRefType(),
    ];

    [Theory]
    [MemberData(nameof(Types))]
    public void Read_WrittenType_IsTheSameType(Type type)
    {
        var writer = new WireWriter();
        TypeNames.Write(writer, type);

        var read = TypeNames.Read(new WireReader(writer.ToArray()));

        Assert.Same(type, read);
    }

    [Fact]
    public void Read_TypeFromAnotherBuildOfItsAssembly_IsFoundByItsName()
    {
        var encoded = FromAnotherBuild(typeof(Outer.Inner).FullName!);

        Assert.Same(typeof(Outer.Inner), TypeNames.Read(new WireReader(encoded)));
    }

    [Fact]
    public void Read_TypeMissingFromItsAssembly_ThrowsWireFormatExceptionNamingIt()
    {
        var encoded = FromAnotherBuild("ActorParallel.Tests.NoSuchType");

        var error = Assert.Throws<WireFormatException>(() => TypeNames.Read(new WireReader(encoded)));

        Assert.Contains("ActorParallel.Tests.NoSuchType", error.Message);
        Assert.Contains("same build", error.Message);
    }

    [Fact]
    public void Write_OpenGenericParameter_IsRefusedNamingIt()
    {
        var parameter = typeof(List<>).GetGenericArguments()[0];

        var error = Assert.Throws<NotShippableException>(() => TypeNames.Write(new WireWriter(), parameter));

        Assert.Contains("open generic parameter T", error.Message);
    }

    /// <summary>A type of this test assembly as another build of it would send it: another module version id and token.</summary>
    private static byte[] FromAnotherBuild(string fullName)
    {
        var writer = new WireWriter();
        writer.WriteByte(1);
        writer.WriteString(typeof(Outer).Assembly.FullName);
        writer.WriteGuid(Guid.NewGuid());
        writer.WriteInt32(0x02000001);
        writer.WriteString(fullName);
        return writer.ToArray();
    }

    [Theory]
    [InlineData(typeof(int), "int")]
    [InlineData(typeof(int?), "int?")]
    [InlineData(typeof(Guid), "Guid")]
    [InlineData(typeof((int, string)), "(int, string)")]
    [InlineData(typeof(Outer.Generic<int>.Nested), "ActorParallel.Tests.Serialization.TypeNamesTests.Outer.Generic<int>.Nested")]
    [InlineData(typeof(List<Outer.Inner>), "List<ActorParallel.Tests.Serialization.TypeNamesTests.Outer.Inner>")]
    [InlineData(typeof(Dictionary<string, int[]>), "Dictionary<string, int[]>")]
    [InlineData(typeof(Outer.Generic<double>[,]), "ActorParallel.Tests.Serialization.TypeNamesTests.Outer.Generic<double>[,]")]
    [InlineData(typeof(List<>), "List<T>")]
    public void Readable_NamesATypeAsCSharpWritesIt_WithoutAssemblyNames(Type type, string expected)
    {
        Assert.Equal(expected, TypeNames.Readable(type));
    }

    [Theory]
    [InlineData("Animal", "an Animal")]
    [InlineData("Order", "an Order")]
    [InlineData("MyApp.Dog", "a MyApp.Dog")]
    [InlineData("UserAdmin", "a UserAdmin")]
    [InlineData("Umbrella", "an Umbrella")]
    public void WithArticle_ByTheFirstLetter(string noun, string expected)
    {
        Assert.Equal(expected, TypeNames.WithArticle(noun));
    }

    public static class Outer
    {
        public sealed class Inner;

        public sealed class Generic<T>
        {
            public sealed class Nested;
        }
    }
}
