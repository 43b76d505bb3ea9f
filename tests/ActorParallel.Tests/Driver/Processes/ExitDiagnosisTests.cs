using ActorParallel.Driver;

namespace ActorParallel.Tests.Driver.Processes;

/// <summary>Which cause a worker's exit is given, from its exit code, stderr, the driver's own orders and the OOM-kill counter.</summary>
public sealed class ExitDiagnosisTests
{
    private static readonly StderrReport Quiet = new([], null);

    [Fact]
    public void Diagnose_AbortAfterStackOverflowReport_StackOverflowWithItsFrameAndTail()
    {
        var stderr = new StderrReport(["Stack overflow.", "   at Work.Recurse(Int32)"], new RuntimeCrash(WorkerExitKind.StackOverflow, "at Work.Recurse(Int32)"));

        var cause = ExitDiagnosis.Diagnose(-6, null, stderr, null);

        Assert.Equal(WorkerExitKind.StackOverflow, cause.Kind);
        Assert.Equal("stack overflow (at Work.Recurse(Int32))", cause.Message);
        Assert.Equal((6, "SIGABRT"), (cause.Signal, cause.SignalName));
        Assert.Equal(stderr.Tail, cause.StderrTail);
    }

    [Fact]
    public void Diagnose_AbortAfterFailFastReportThoughTheDriverAlsoKilledIt_FailFast()
    {
        var cause = ExitDiagnosis.Diagnose(-6, "a KillProcess request", new StderrReport([], new RuntimeCrash(WorkerExitKind.FailFast, "boom")), null);

        Assert.Equal(new WorkerExitCause(WorkerExitKind.FailFast, -6, "Environment.FailFast: boom") { Detail = "boom" }, cause);
    }

    [Fact]
    public void Diagnose_SigkillSentByTheDriver_KilledByDriverEvenIfTheOomCounterRose()
    {
        var cause = ExitDiagnosis.Diagnose(-9, "a KillProcess request", Quiet, "memory cgroup /a: oom_kill 0 → 1");

        Assert.Equal(WorkerExitKind.KilledByDriver, cause.Kind);
        Assert.Equal("killed by this driver with SIGKILL (signal 9): a KillProcess request", cause.Message);
    }

    [Fact]
    public void Diagnose_SigtermSentByTheDriver_Terminated()
    {
        var cause = ExitDiagnosis.Diagnose(-15, "a TerminateProcess request", Quiet, null);

        Assert.Equal(WorkerExitKind.KilledByDriver, cause.Kind);
        Assert.StartsWith("terminated by this driver with SIGTERM", cause.Message);
    }

    [Fact]
    public void Diagnose_SigkillFromElsewhereWhileTheOomCounterRose_OutOfMemoryNamingTheCounter()
    {
        var cause = ExitDiagnosis.Diagnose(-9, null, Quiet, "memory cgroup /a: oom_kill 0 → 1");

        Assert.Equal(WorkerExitKind.OutOfMemory, cause.Kind);
        Assert.Equal("memory cgroup /a: oom_kill 0 → 1", cause.Detail);
        Assert.Contains("OOM killer", cause.Message);
    }

    [Fact]
    public void Diagnose_SigkillFromElsewhereWithoutOomKills_SignalNamed()
    {
        var cause = ExitDiagnosis.Diagnose(-9, null, Quiet, null);

        Assert.Equal(WorkerExitKind.Signal, cause.Kind);
        Assert.Equal("SIGKILL", cause.SignalName);
        Assert.Equal("killed by SIGKILL (signal 9), which this driver did not send", cause.Message);
    }

    [Fact]
    public void Diagnose_OtherSignalWhileTheOomCounterRose_NotOutOfMemory()
    {
        var cause = ExitDiagnosis.Diagnose(-11, null, Quiet, "memory cgroup /a: oom_kill 0 → 1");

        Assert.Equal((WorkerExitKind.Signal, "SIGSEGV"), (cause.Kind, cause.SignalName));
    }

    [Theory]
    [InlineData(0, "exited with code 0 (a worker's code when its target returned or it was told to exit, or Environment.Exit(0))")]
    [InlineData(1, "exited with code 1 (a worker's code when its target threw, or Environment.Exit(1))")]
    [InlineData(70, "exited with code 70 (a worker's code when it lost its driver, or Environment.Exit(70))")]
    [InlineData(3, "exited with code 3")]
    public void Diagnose_PlainExit_ExitedWithItsCode(int exitCode, string message)
    {
        // A crash report printed by a process that then exited by itself is not its cause.
        var cause = ExitDiagnosis.Diagnose(exitCode, null, new StderrReport(["Process terminated. quoted"], new RuntimeCrash(WorkerExitKind.FailFast, "quoted")), null);

        Assert.Equal(new WorkerExitCause(WorkerExitKind.Exited, exitCode, message) { StderrTail = ["Process terminated. quoted"] }, cause);
        Assert.Null(cause.Signal);
    }
}
