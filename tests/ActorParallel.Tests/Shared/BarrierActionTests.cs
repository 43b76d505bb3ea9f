using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// A barrier's action with real processes, as CPython's <c>_TestBarrier.test_action</c> and
/// <c>test_abort_and_reset</c>: run once per round by the last party before any party returns; an action
/// that throws, or whose process is SIGKILLed while it runs, breaks the barrier.
/// </summary>
public sealed class BarrierActionTests : RuntimeFixture
{
    [Fact]
    public async Task WaitAsync_ActionWithThreeProcesses_RunsOncePerRoundInTheLastParty_BeforeAnyPartyReturns()
    {
        const int Rounds = 3;
        await using var manager = await Manager.StartAsync(Runtime);
        var runners = manager.List<int>();
        var report = manager.Queue<int[]>();
        var barrier = manager.Barrier(3, action: SyncTargets.RecordRunner(runners));
        var workers = Enumerable.Range(0, 2).Select(_ => Create(SyncTargets.WaitRoundsAndReport, barrier, runners, report, Rounds)).ToList();

        await Task.WhenAll(workers.Select(w => w.StartAsync()));
        await SyncTargets.WaitRoundsAndReport(barrier, runners, report, Rounds).WaitAsync(Bound);
        var reports = new List<int[]>();
        for (var i = 0; i < 3 * Rounds; i++)
        {
            reports.Add(await report.GetAsync(Bound).WaitAsync(Bound));
        }
        foreach (var worker in workers)
        {
            await Joined(worker);
        }
        var ran = await runners.ToListAsync().WaitAsync(Bound);

        Assert.All(workers, w => Assert.True(w.ExitCode == 0, $"{w}: exit {w.ExitCode}, {w.Exception}"));
        int[] parties = [Environment.ProcessId, .. workers.Select(w => w.Pid!.Value)];
        Assert.Equal(parties.Order(), reports.Select(r => r[0]).Distinct().Order());
        // Once per round, by the party that arrived last (index 2), done when each party of the round returned.
        Assert.Equal(Rounds, ran.Count);
        for (var round = 0; round < Rounds; round++)
        {
            var ofRound = reports.Where(r => r[1] == round).ToList();
            Assert.Equal([0, 1, 2], ofRound.Select(r => r[2]).Order());
            Assert.Equal(ofRound.Single(r => r[2] == 2)[0], ran[round]);
            Assert.All(ofRound, r => Assert.True(r[3] == round + 1, $"a party of round {round} returned having seen {r[3]} actions"));
        }
    }

    [Fact]
    public async Task WaitAsync_ActionThrows_TheRunnerGetsItsException_TheOthersBrokenBarrier()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var barrier = manager.Barrier(3, action: SyncTargets.FailingAction);
        var workers = Enumerable.Range(0, 2).Select(_ => Create(SyncTargets.WaitAtBarrierOnce, barrier)).ToList();

        await Task.WhenAll(workers.Select(w => w.StartAsync()));
        var mine = await Record.ExceptionAsync(() => barrier.WaitAsync(Bound)).WaitAsync(Bound);
        foreach (var worker in workers)
        {
            await Joined(worker);
        }

        // Workers' exceptions reach the driver rebuilt as their own type (WorkerProcess.Exception).
        Exception?[] outcomes = [mine, .. workers.Select(w => w.Exception)];
        var failed = Assert.Single(outcomes, e => e is InvalidOperationException);
        Assert.Equal("The barrier action failed on purpose.", failed!.Message);
        Assert.Equal(2, outcomes.Count(e => e is BrokenBarrierException));
        Assert.All(outcomes.OfType<BrokenBarrierException>(), e => Assert.Contains("is broken: its action threw, in the party that ran it", e.Message));
        Assert.True(await barrier.IsBrokenAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task WaitAsync_RunnerSigkilledInTheAction_BreaksItForTheOthers_ResetMakesItWork()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var runner = manager.Queue<int>();
        var hang = manager.Value(1);
        var never = manager.Event();
        var barrier = manager.Barrier(3, action: SyncTargets.ReportThenHang(runner, hang, never));
        var first = Create(SyncTargets.WaitAtBarrierOnce, barrier);
        var last = Create(SyncTargets.WaitAtBarrierOnce, barrier);

        // The first worker and the driver wait; the second worker arrives last, so it runs the action.
        await first.StartAsync();
        await WaitersAtLeast(barrier, 1);
        var mine = barrier.WaitAsync();
        await WaitersAtLeast(barrier, 2);
        await last.StartAsync();
        var pid = await runner.GetAsync(Bound).WaitAsync(Bound);
        Assert.Equal(last.Pid, pid);
        Assert.False(mine.IsCompleted);
        OsProcesses.KillQuietly(pid);

        var broken = await Assert.ThrowsAsync<BrokenBarrierException>(() => mine).WaitAsync(Bound);
        await Joined(first);
        await Joined(last);
        Assert.Contains("is broken: the process running its action died", broken.Message);
        Assert.Equal(broken.Message, Assert.IsType<BrokenBarrierException>(first.Exception).Message);
        Assert.Equal(-9, last.ExitCode);
        Assert.True(await barrier.IsBrokenAsync().WaitAsync(Bound));

        await hang.SetAsync(0).WaitAsync(Bound);
        await barrier.ResetAsync().WaitAsync(Bound);
        var indexes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => barrier.WaitAsync(Bound))).WaitAsync(Bound);
        Assert.Equal([0, 1, 2], indexes.Order());
        Assert.Equal(Environment.ProcessId, await runner.GetAsync(Bound).WaitAsync(Bound));
    }

    [Fact]
    public async Task Barrier_ActionThatCannotTravel_ThrowsNotShippable_NamingTheBarrierAndWhy()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var multicast = (Action)SyncTargets.FailingAction + SyncTargets.FailingAction;
        using var stream = new MemoryStream();
        var writer = WriteTo(stream);

        var twoTargets = Assert.Throws<NotShippableException>(() => manager.Barrier(2, name: "twice", action: multicast));
        var capture = Assert.Throws<NotShippableException>(() => manager.Barrier(2, name: "streaming", action: writer));

        Assert.Contains("action of barrier 'twice'", twoTargets.Message, StringComparison.Ordinal);
        Assert.Contains("multicast", twoTargets.Message, StringComparison.Ordinal);
        Assert.Contains("action of barrier 'streaming'", capture.Message, StringComparison.Ordinal);
        Assert.Contains("MemoryStream", capture.Message, StringComparison.Ordinal);
    }

    /// <summary>An action whose closure holds <paramref name="stream"/> only.</summary>
    private static Action WriteTo(Stream stream) => () => stream.WriteByte(1);

    /// <summary>Waits until the driver sees at least <paramref name="count"/> parties waiting at the barrier.</summary>
    private static async Task WaitersAtLeast(SharedBarrier barrier, int count)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (await barrier.WaitingCountAsync(deadline.Token) < count)
        {
            await Task.Yield();
        }
    }
}
