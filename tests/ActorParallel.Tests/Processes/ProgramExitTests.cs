using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

/// <summary>
/// A program whose Main returns (or throws) while a process of the default runtime still runs: as
/// Python's exit joins non-daemonic children, the process finishes its work first; a daemon is terminated; a
/// program ended by SIGTERM terminates it too. Each test runs a real driver program
/// (ActorParallel.Tests.Parent) and watches the OS.
/// </summary>
public sealed class ProgramExitTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("actorparallel-exit-").FullName;

    [Fact]
    public async Task MainReturns_ProcessStillRunning_IsWaitedForAndFinishesItsWork()
    {
        var path = Path.Combine(_folder, "joined");
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "1", "exit-joins", path);
        var worker = await WorkerOf(program);

        var exitCode = await program.WaitForExit(Bound);

        Assert.Equal(0, exitCode);
        Assert.Equal("done", await File.ReadAllTextAsync(path));
        Assert.True(await OsProcesses.AllGoneWithin([worker], TimeSpan.FromSeconds(5)), "the worker outlived its program");
    }

    [Fact]
    public async Task MainThrows_ProcessStillRunning_IsWaitedFor_ThenTheExceptionIsReported()
    {
        var path = Path.Combine(_folder, "joined-after-throw");
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "1", "exit-throws", path);
        var worker = await WorkerOf(program);

        var exitCode = await program.WaitForExit(Bound);

        // SIGABRT, as .NET ends a program on an unhandled exception; the process finished its work first.
        Assert.Equal(128 + 6, exitCode);
        Assert.Equal("done", await File.ReadAllTextAsync(path));
        var lines = program.Lines;
        var reported = lines.ToList().FindIndex(line => line.Contains("Unhandled exception. System.InvalidOperationException: the program's own failure"));
        var waiting = lines.ToList().FindIndex(line => line.Contains("waiting for the program's 1 running process(es) that are not daemons"));
        // Printed before the wait (as Python prints its traceback before it joins), so an interrupted wait does not lose it.
        Assert.InRange(reported, 0, waiting);
        Assert.True(await OsProcesses.AllGoneWithin([worker], TimeSpan.FromSeconds(5)), "the worker outlived its program");
    }

    [Fact]
    public async Task MainReturns_AStartNotAwaited_TheProcessStartsAndIsWaitedFor()
    {
        var path = Path.Combine(_folder, "started-at-exit");
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "1", "exit-starting", path);
        await program.WaitForLine("ready", Bound);

        var exitCode = await program.WaitForExit(Bound);

        Assert.Equal(0, exitCode);
        Assert.Equal("done", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task MainReturns_DaemonStillRunning_IsTerminatedAndTheProgramEnds()
    {
        var path = Path.Combine(_folder, "daemon");
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "1", "exit-daemon", path);
        var worker = await WorkerOf(program);

        var exitCode = await program.WaitForExit(Bound);

        Assert.Equal(0, exitCode);
        Assert.True(await OsProcesses.AllGoneWithin([worker], TimeSpan.FromSeconds(5)), "the daemon outlived its program");
        Assert.False(File.Exists(path), "the daemon ran to its end: it was waited for");
    }

    [Fact]
    public async Task MainReturns_DaemonAndAnotherProcessRunning_TheDaemonIsTerminatedBeforeTheOtherIsWaitedFor()
    {
        var path = Path.Combine(_folder, "order");
        using var program = new ChildProgram("ActorParallel.Tests.Parent", "1", "exit-daemon-first", path);
        await program.WaitForLine("ready", Bound);
        program.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal)).Select(l => int.Parse(l["worker ".Length..])).ToList().ForEach(program.Track);

        var exitCode = await program.WaitForExit(Bound);

        Assert.Equal(0, exitCode);
        Assert.Equal("daemon gone", await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(path + ".daemon"), "the daemon ran to its end");
    }

    [Fact]
    public async Task Sigterm_ProgramWithAProcessRunning_ExitsPromptlyAndTerminatesIt()
    {
        var path = Path.Combine(_folder, "signalled");
        using var program = ChildProgram.WithDefaultSignals("ActorParallel.Tests.Parent", "1", "exit-signalled", path);
        var worker = await WorkerOf(program);

        Assert.True(OsProcesses.Signal(program.Pid, OsProcesses.SigTerm), "the program should be alive to signal");
        var exitCode = await program.WaitForExit(TimeSpan.FromSeconds(10));

        Assert.Equal(128 + OsProcesses.SigTerm, exitCode);
        Assert.True(await OsProcesses.AllGoneWithin([worker], TimeSpan.FromSeconds(5)), "the worker outlived its signalled program");
        Assert.False(File.Exists(path), "the worker ran to its end after SIGTERM");
    }

    private static async Task<int> WorkerOf(ChildProgram program)
    {
        await program.WaitForLine("ready", Bound);
        var worker = program.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal)).Select(l => int.Parse(l["worker ".Length..])).Single();
        program.Track(worker);
        return worker;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
