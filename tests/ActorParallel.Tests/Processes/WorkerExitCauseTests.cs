using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>
/// <see cref="WorkerProcess.ExitCause"/> says why a process ended, from its exit status, its stderr
/// (where the .NET runtime reports a stack overflow, a FailFast, an unhandled exception before it
/// aborts) and the driver's own orders; the worker's stderr still reaches the driver's stderr.
/// </summary>
public sealed class WorkerExitCauseTests : RuntimeFixture
{
    [Fact]
    public async Task ExitCause_TargetOverflowsItsStack_StackOverflowNamingTheFrame()
    {
        var process = Create(DeathTargets.Overflow);

        await process.StartAsync();
        await Joined(process);

        var cause = Assert.IsType<WorkerExitCause>(process.ExitCause);
        Assert.Equal((WorkerExitKind.StackOverflow, -6, 6, "SIGABRT"), (cause.Kind, cause.ExitCode, cause.Signal, cause.SignalName));
        Assert.Equal(-6, process.ExitCode);
        Assert.Contains(nameof(DeathTargets.Recurse), cause.Detail);
        Assert.StartsWith("stack overflow (at ", cause.Message);
        Assert.Contains(cause.StderrTail, line => line.Contains(nameof(DeathTargets.Recurse)));
        Assert.Null(process.Exception);
    }

    [Fact]
    public async Task ExitCause_TargetCallsFailFast_FailFastWithItsMessage()
    {
        var process = Create(DeathTargets.FailFast, "boom");

        await process.StartAsync();
        await Joined(process);

        Assert.Equal(new WorkerExitCause(WorkerExitKind.FailFast, -6, "Environment.FailFast: boom") { Detail = "boom" }, process.ExitCause! with { StderrTail = [] });
        Assert.Contains("Process terminated.", process.ExitCause!.StderrTail);
    }

    [Fact]
    public async Task ExitCause_ThreadOfTheTargetThrows_UnhandledExceptionWithItsLine()
    {
        var process = Create(DeathTargets.ThrowOnAThread, "no one catches this");

        await process.StartAsync();
        await Joined(process);

        Assert.Equal(WorkerExitKind.UnhandledException, process.ExitCause?.Kind);
        Assert.Equal("System.InvalidOperationException: no one catches this", process.ExitCause?.Detail);
    }

    [Fact]
    public async Task ExitCause_TargetExitsWithThree_ExitedWithThatCode()
    {
        var process = Create(TestTargets.ExitWith, 3);

        await process.StartAsync();
        await Joined(process);

        Assert.Equal(new WorkerExitCause(WorkerExitKind.Exited, 3, "exited with code 3"), process.ExitCause);
        Assert.Null(process.ExitCause?.SignalName);
    }

    [Fact]
    public async Task ExitCause_KilledByTheDriverOrFromOutside_TellsWhichAndTheSignal()
    {
        var byDriver = Create(TestTargets.SleepForever);
        var fromOutside = Create(TestTargets.SleepForever);
        await Task.WhenAll(byDriver.StartAsync(), fromOutside.StartAsync());

        byDriver.Kill();
        OsProcesses.KillQuietly(fromOutside.Pid!.Value);
        await Task.WhenAll(Joined(byDriver), Joined(fromOutside));

        Assert.Equal((WorkerExitKind.KilledByDriver, "SIGKILL"), (byDriver.ExitCause?.Kind, byDriver.ExitCause?.SignalName));
        Assert.Contains("KillProcess", byDriver.ExitCause?.Detail);
        Assert.Equal((WorkerExitKind.Signal, "SIGKILL"), (fromOutside.ExitCause?.Kind, fromOutside.ExitCause?.SignalName));
        Assert.Equal("killed by SIGKILL (signal 9), which this driver did not send", fromOutside.ExitCause?.Message);
    }

    [Fact]
    public async Task ExitCause_GrandchildKeepsStderrOpen_ExitReportedWithinTheDrainBound()
    {
        var pidFile = ScratchFile("grandchild.pid");
        var process = Create(DeathTargets.FailFastLeavingAGrandchild, pidFile, "with a grandchild");
        try
        {
            await process.StartAsync();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            await Joined(process);

            // The grandchild holds the pipe for 60 s; the exit is reported after at most the drain bound (500 ms).
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the exit took {waited.Elapsed} to be reported");
            Assert.Equal(WorkerExitKind.FailFast, process.ExitCause?.Kind);
            Assert.Equal("with a grandchild", process.ExitCause?.Detail);
            Assert.Contains("about to fail", process.ExitCause!.StderrTail);
        }
        finally
        {
            if (File.Exists(pidFile))
            {
                OsProcesses.KillQuietly(int.Parse(File.ReadAllText(pidFile)));
            }
        }
    }

    [Fact]
    public async Task WorkerStderr_LinesWritten_ReachTheDriversStderrAndTheExitCause()
    {
        using var parent = new ChildProgram("ActorParallel.Tests.Parent", "3", "stderr");

        var cause = await parent.WaitForLine("cause ", Bound);
        await parent.WaitForExit(Bound);

        Assert.Equal("cause FailFast: after its lines", cause);
        var forwarded = parent.Lines.Where(line => line.StartsWith("stderr: worker line", StringComparison.Ordinal)).ToList();
        Assert.Equal(["stderr: worker line 0", "stderr: worker line 1", "stderr: worker line 2"], forwarded);
        Assert.Contains(parent.Lines, line => line == "stderr: Process terminated.");
    }
}
