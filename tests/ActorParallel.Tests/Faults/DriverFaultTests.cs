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
}
