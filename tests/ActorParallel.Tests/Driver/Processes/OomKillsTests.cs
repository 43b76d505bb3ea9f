using ActorParallel.Driver;

namespace ActorParallel.Tests.Driver.Processes;

public sealed class OomKillsTests : IDisposable
{
    private readonly string _counter = Path.Combine(Path.GetTempPath(), $"actorparallel-oom-{Guid.NewGuid():N}");

    [Fact]
    public void Read_ThisProcess_FindsACounterThatCoversIt()
    {
        var count = OomKills.Read(Environment.ProcessId);

        Assert.NotNull(count);
        Assert.True(count.Count >= 0);
        Assert.Contains("oom_kill", File.ReadAllText(count.File));
    }

    [Fact]
    public void RoseSince_CounterUnchangedThenRaised_NullThenTheRise()
    {
        File.WriteAllText(_counter, "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        var before = new OomKillCount("memory cgroup /test", _counter, 3);

        var unchanged = OomKills.RoseSince(before);
        File.WriteAllText(_counter, "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
        var rose = OomKills.RoseSince(before);

        Assert.Null(unchanged);
        Assert.Equal("memory cgroup /test: oom_kill 3 → 4", rose);
    }

    [Fact]
    public void RoseSince_CounterGoneOrUnknown_Null()
    {
        Assert.Null(OomKills.RoseSince(null));
        Assert.Null(OomKills.RoseSince(new OomKillCount("memory cgroup /gone", _counter, 0)));
    }

    public void Dispose() => File.Delete(_counter);
}
