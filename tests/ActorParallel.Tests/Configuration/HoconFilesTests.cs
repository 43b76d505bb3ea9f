using Akka.Configuration;

namespace ActorParallel.Tests.Configuration;

/// <summary>Every file in hocon/ parses, and the keys the design depends on hold the values it needs.</summary>
public sealed class HoconFilesTests
{
    public static TheoryData<string> Files() =>
        new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "hocon"), "*.conf").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Files))]
    public void Parse_EveryHoconFile_ParsesWithoutError(string file)
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", file)));

        Assert.False(config.IsEmpty);
    }

    [Fact]
    public void AkkaConfiguration_Driver_BindsLoopbackWithOsChosenPort()
    {
        var config = ParallelRuntime.AkkaConfiguration;

        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(string.Empty, config.GetString("akka.cluster.downing-provider-class"));
    }

    [Fact]
    public void Settings_ValuesAreTakenLiterally_AndOverrideTheFilesTheyFallBackTo()
    {
        const string awkward = "a\"b} ${x} \\c # not a comment";
        var settings = ActorParallel.Configuration.AkkaConfig.Settings(
            ("akka.remote.dot-netty.tcp.hostname", awkward),
            ("akka.remote.dot-netty.tcp.port", 2552),
            ("akka.remote.dot-netty.tcp.enable-ssl", true),
            ("akka.cluster.roles", new[] { "one", "two words" }));

        var config = settings.WithFallback(ParallelRuntime.AkkaConfiguration);

        Assert.Equal(awkward, config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(2552, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(new[] { "one", "two words" }, config.GetStringList("akka.cluster.roles"));
        // What the settings do not name still comes from the files.
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(4_000_000, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
    }
}
