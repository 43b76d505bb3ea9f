using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Driver.Processes;

/// <summary>The lifecycle as messages, the way an actor uses it: Tell, and expect typed replies.</summary>
public sealed class ProcessSupervisorTests : TestKit
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly IActorRef _supervisor;

    public ProcessSupervisorTests()
        : base(ParallelRuntime.AkkaConfiguration, "supervisor-tests")
    {
        _supervisor = ParallelRuntime.Attach(Sys, new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host }).Supervisor;
    }

    [Fact]
    public async Task StartProcess_ThenJoinProcess_RepliesStartedThenExitedZero()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorparallel-supervisor-{Guid.NewGuid():N}.txt");
        var spec = ProcessSpec.Create(TestTargets.WriteFile, [path, "from an actor"]);
        try
        {
            _supervisor.Tell(new StartProcess(spec), TestActor);
            var started = await ExpectMsgAsync<ProcessStarted>(Bound);
            _supervisor.Tell(new JoinProcess(spec.Id), TestActor);
            var exited = await ExpectMsgAsync<ProcessExited>(Bound);

            Assert.Equal(spec.Id, started.ProcessId);
            Assert.Equal(new ProcessExited(spec.Id, started.Pid, 0, null), exited with { Cause = null });
            Assert.Equal(new WorkerExitCause(WorkerExitKind.Exited, 0, "exited with code 0 (a worker's code when its target returned or it was told to exit, or Environment.Exit(0))"), exited.Cause);
            Assert.Equal("from an actor", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StartProcess_SameSpecTwice_SecondRepliesStartFailed()
    {
        var spec = ProcessSpec.Create(TestTargets.SleepForever, []);
        _supervisor.Tell(new StartProcess(spec), TestActor);
        await ExpectMsgAsync<ProcessStarted>(Bound);

        _supervisor.Tell(new StartProcess(spec), TestActor);
        var failed = await ExpectMsgAsync<ProcessStartFailed>(Bound);

        Assert.Contains("already started", failed.Reason);
        _supervisor.Tell(new KillProcess(spec.Id), TestActor);
        await ExpectMsgAsync<ProcessExited>(Bound);
    }

    [Fact]
    public async Task KillProcess_ThenLateJoin_BothReplyTheSameExitMinusNine()
    {
        var spec = ProcessSpec.Create(TestTargets.SleepForever, []);
        _supervisor.Tell(new StartProcess(spec), TestActor);
        await ExpectMsgAsync<ProcessStarted>(Bound);

        _supervisor.Tell(new KillProcess(spec.Id), TestActor);
        var killed = await ExpectMsgAsync<ProcessExited>(Bound);
        _supervisor.Tell(new JoinProcess(spec.Id), TestActor);
        var joined = await ExpectMsgAsync<ProcessExited>(Bound);

        Assert.Equal(-9, killed.ExitCode);
        Assert.Equal(killed, joined);
    }

    [Fact]
    public async Task TerminateProcess_Sleeping_RepliesExitedMinusFifteen()
    {
        var spec = ProcessSpec.Create(TestTargets.SleepForever, []);
        _supervisor.Tell(new StartProcess(spec), TestActor);
        var started = await ExpectMsgAsync<ProcessStarted>(Bound);

        _supervisor.Tell(new TerminateProcess(spec.Id), TestActor);
        var exited = await ExpectMsgAsync<ProcessExited>(Bound);

        Assert.Equal(-15, exited.ExitCode);
        Assert.False(OsProcesses.IsAlive(started.Pid));
    }

    [Fact]
    public async Task JoinProcess_TargetThrows_ExitedCarriesRemoteError()
    {
        var spec = ProcessSpec.Create(TestTargets.Throw, ["bad input"]);
        _supervisor.Tell(new StartProcess(spec), TestActor);
        await ExpectMsgAsync<ProcessStarted>(Bound);

        _supervisor.Tell(new JoinProcess(spec.Id), TestActor);
        var exited = await ExpectMsgAsync<ProcessExited>(Bound);

        Assert.Equal(1, exited.ExitCode);
        Assert.NotNull(exited.Error);
        Assert.Equal(typeof(InvalidOperationException).FullName, exited.Error.Type);
        Assert.Equal("bad input", exited.Error.Message);
    }

    [Fact]
    public async Task JoinTerminateKill_UnknownId_ReplyProcessNotFound()
    {
        _supervisor.Tell(new JoinProcess(-1), TestActor);
        _supervisor.Tell(new TerminateProcess(-2), TestActor);
        _supervisor.Tell(new KillProcess(-3), TestActor);

        Assert.Equal(new ProcessNotFound(-1), await ExpectMsgAsync<ProcessNotFound>(Bound));
        Assert.Equal(new ProcessNotFound(-2), await ExpectMsgAsync<ProcessNotFound>(Bound));
        Assert.Equal(new ProcessNotFound(-3), await ExpectMsgAsync<ProcessNotFound>(Bound));
    }

    [Fact]
    public async Task ListProcesses_OneRunning_ListsItsId()
    {
        var spec = ProcessSpec.Create(TestTargets.SleepForever, []);
        _supervisor.Tell(new StartProcess(spec), TestActor);
        await ExpectMsgAsync<ProcessStarted>(Bound);

        _supervisor.Tell(ListProcesses.Instance, TestActor);
        var running = await ExpectMsgAsync<RunningProcesses>(Bound);

        Assert.Contains(spec.Id, running.ProcessIds);
        _supervisor.Tell(new KillProcess(spec.Id), TestActor);
        await ExpectMsgAsync<ProcessExited>(Bound);
    }

    [Fact]
    public async Task ListProcesses_RightAfterAKilledProcessIsJoined_NoLongerListsIt()
    {
        // The exit is reported while the process's actor is still stopping: it must not be listed then.
        for (var round = 0; round < 8; round++)
        {
            var spec = ProcessSpec.Create(TestTargets.SleepForever, []);
            _supervisor.Tell(new StartProcess(spec), TestActor);
            await ExpectMsgAsync<ProcessStarted>(Bound);

            _supervisor.Tell(new KillProcess(spec.Id), TestActor);
            await ExpectMsgAsync<ProcessExited>(Bound);
            _supervisor.Tell(ListProcesses.Instance, TestActor);
            var running = await ExpectMsgAsync<RunningProcesses>(Bound);

            Assert.DoesNotContain(spec.Id, running.ProcessIds);
        }
    }

    [Fact]
    public async Task StartProcess_BeyondMaxConcurrentLaunches_WaitsForASlot_AndKillingAWaitingOneEndsItWithoutAProcess()
    {
        var supervisor = ParallelRuntime.Attach(Sys, new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, MaxConcurrentLaunches = 1 }).Supervisor;
        var first = ProcessSpec.Create(TestTargets.SleepForever, []);
        var second = ProcessSpec.Create(TestTargets.SleepForever, []);
        var third = ProcessSpec.Create(TestTargets.Nothing, []);

        supervisor.Tell(new StartProcess(first), TestActor);
        supervisor.Tell(new StartProcess(second), TestActor);
        supervisor.Tell(new StartProcess(third), TestActor);
        var started = await ExpectMsgAsync<ProcessStarted>(Bound);
        // The second waits for the first to connect back; kill it while it waits.
        supervisor.Tell(new KillProcess(second.Id), TestActor);
        var replies = new List<object> { await ExpectMsgAsync<object>(Bound), await ExpectMsgAsync<object>(Bound), await ExpectMsgAsync<object>(Bound) };

        Assert.Equal(first.Id, started.ProcessId);
        Assert.Contains(new ProcessStartFailed(second.Id, $"Process '{second.Name}' was ended before it was launched."), replies);
        var never = Assert.Single(replies.OfType<ProcessExited>());
        Assert.Equal(new ProcessExited(second.Id, 0, -9, null), never with { Cause = null });
        Assert.Equal(WorkerExitKind.KilledByDriver, never.Cause?.Kind);
        Assert.Contains(replies, r => r is ProcessStarted s && s.ProcessId == third.Id);
        supervisor.Tell(new KillProcess(first.Id), TestActor);
        await ExpectMsgAsync<ProcessExited>(Bound);
        supervisor.Tell(new JoinProcess(third.Id), TestActor);
        Assert.Equal(0, (await ExpectMsgAsync<ProcessExited>(Bound)).ExitCode);
    }
}
