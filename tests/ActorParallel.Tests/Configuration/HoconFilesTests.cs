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
}
