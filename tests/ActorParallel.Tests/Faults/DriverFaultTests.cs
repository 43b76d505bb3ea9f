using ActorParallel.Tests.Support;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// The driver SIGKILLed, with plain processes running and with a pool in the middle of a map: no
/// worker may outlive it by more than 5 s. (CPython's children are orphaned in the same situation.)
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class DriverFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task Sigkill_Driver_WithProcessesOrAPoolMidMap_NoWorkerLeftAfterFiveSeconds()
    {
        var tally = new Tally(output, "SIGKILL the driver");
        foreach (var mode in new[] { "wait", "pool", "wait", "pool" })
        {
            using var parent = new ChildProgram("ActorParallel.Tests.Parent", "3", mode);
            await parent.WaitForLine("ready", Bound);
            var pids = parent.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal)).Select(l => int.Parse(l["worker ".Length..])).ToList();
            pids.ForEach(parent.Track);
            tally.Increment("rounds");
            tally["workers started"] += pids.Count;

            parent.KillHard();

            var gone = await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5));
            tally["orphans after 5 s"] += pids.Count(OsProcesses.IsAlive);
            tally.Note($"{mode}: {pids.Count} workers, all gone within 5 s: {gone}");
        }
        tally.Report();

        Assert.Equal(12, tally["workers started"]);
        Assert.Equal(0, tally["orphans after 5 s"]);
    }

    [Fact]
    public async Task Sigkill_Driver_WithAPoolOnAHostNodeMidMap_NoWorkerAndNoNodeLeftAfterFiveSeconds()
    {
        var tally = new Tally(output, "SIGKILL the driver of a Host node");
        for (var round = 0; round < 3; round++)
        {
            using var parent = new ChildProgram("ActorParallel.Tests.Parent", "1", "nodes");
            var seed = (await parent.WaitForLine("seed ", Bound))["seed ".Length..];
            using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--workers", "1");
            await parent.WaitForLine("ready", Bound);
            var workers = parent.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal)).Select(l => int.Parse(l["worker ".Length..])).ToList();
            workers.ForEach(parent.Track);
            var onNode = workers.Count(pid => OsProcesses.ParentOf(pid) == node.Pid);
            tally.Increment("rounds");
            tally["workers started"] += workers.Count;
            tally["of them on the node"] += onNode;

            parent.KillHard();

            var gone = await OsProcesses.AllGoneWithin([.. workers, node.Pid], TimeSpan.FromSeconds(5));
            tally["orphans after 5 s"] += workers.Count(OsProcesses.IsAlive) + (OsProcesses.IsAlive(node.Pid) ? 1 : 0);
            tally.Note($"round {round}: {workers.Count} workers ({onNode} on the node), all gone with the node within 5 s: {gone}; node said: {node.Lines.LastOrDefault()}");
        }
        tally.Report();

        Assert.Equal(6, tally["workers started"]);
        Assert.Equal(3, tally["of them on the node"]);
        Assert.Equal(0, tally["orphans after 5 s"]);
    }
}
