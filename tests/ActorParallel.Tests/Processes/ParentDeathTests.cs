using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>Workers must never outlive their driver, however the driver goes.</summary>
public sealed class ParentDeathTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ParentKilledWithSigkill_NoWorkerAliveAfterFiveSeconds()
    {
        using var parent = new ChildProgram("ActorParallel.Tests.Parent", "3");
        var pids = await ReadWorkerPids(parent);
        Assert.All(pids, pid => Assert.True(OsProcesses.IsAlive(pid), $"worker {pid} should run before the parent dies"));

        parent.KillHard();

        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)), "orphaned workers still alive 5 s after SIGKILL of their parent");
    }

    [Fact]
    public async Task DriverActorSystemTerminated_NoWorkerAliveAfterFiveSeconds()
    {
        using var parent = new ChildProgram("ActorParallel.Tests.Parent", "2", "terminate-system");
        var pids = await ReadWorkerPids(parent);

        await parent.WaitForLine("system terminated", Bound);

        Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)), "workers still alive 5 s after their driver's ActorSystem stopped");
        Assert.True(OsProcesses.IsAlive(parent.Pid), "the parent process itself keeps running");
    }

    private static async Task<List<int>> ReadWorkerPids(ChildProgram parent)
    {
        await parent.WaitForLine("ready", Bound);
        var pids = parent.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["worker ".Length..]))
            .ToList();
        pids.ForEach(parent.Track);
        Assert.NotEmpty(pids);
        return pids;
    }
}
