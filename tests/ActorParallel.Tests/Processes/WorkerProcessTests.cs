using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Processes;

public sealed class WorkerProcessTests : RuntimeFixture
{
    [Fact]
    public async Task StartAsync_StaticTarget_RunsInAnotherProcessAndExitsZero()
    {
        var path = ScratchFile("sum.txt");
        var process = Create(TestTargets.WriteSum, path, 2, 40L);

        await process.StartAsync();
        var pid = process.Pid;
        await Joined(process);

        Assert.NotNull(pid);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal(0, process.ExitCode);
        Assert.Null(process.Exception);
        Assert.False(process.IsAlive);
        Assert.Equal("42", File.ReadAllText(path));
    }

    [Fact]
    public async Task StartAsync_LambdaCapturingValues_ShipsTheClosure()
    {
        var path = ScratchFile("closure.txt");
        var greeting = "hello";
        var numbers = new[] { 1, 2, 3 };
        var process = Create(() => File.WriteAllText(path, $"{greeting} {numbers.Sum()}"));

        await process.StartAsync();
        await Joined(process);

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("hello 6", File.ReadAllText(path));
    }

    [Fact]
    public async Task StartAsync_AsyncAndGenericTargets_AreAwaitedAndResolved()
    {
        var asyncPath = ScratchFile("async.txt");
        var genericPath = ScratchFile("generic.txt");
        var asyncProcess = Create(TestTargets.WriteFileLater, asyncPath, "later");
        var genericProcess = Create(TestTargets.Generic<double>, genericPath, 2.5);

        await asyncProcess.StartAsync();
        await genericProcess.StartAsync();
        await Joined(asyncProcess);
        await Joined(genericProcess);

        Assert.Equal("later", File.ReadAllText(asyncPath));
        Assert.Equal("Double:2.5", File.ReadAllText(genericPath));
    }

    [Fact]
    public async Task JoinAsync_TimeoutWhileRunning_ReturnsFalseAndProcessStaysAlive()
    {
        var process = Create(TestTargets.SleepForever);
        await process.StartAsync();

        var exited = await process.JoinAsync(TimeSpan.FromMilliseconds(300));

        Assert.False(exited);
        Assert.True(process.IsAlive);
        Assert.Null(process.ExitCode);
        Assert.True(OsProcesses.IsAlive(process.Pid!.Value));
    }

    [Fact]
    public async Task TerminateAsync_SleepingForever_GoneWithinOneSecondWithSigtermCode()
    {
        var process = Create(TestTargets.SleepForever);
        await process.StartAsync();
        Assert.False(await process.JoinAsync(TimeSpan.FromMilliseconds(200)), "the target should still be sleeping");

        await process.TerminateAsync().WaitAsync(TimeSpan.FromSeconds(1));

        Assert.False(OsProcesses.IsAlive(process.Pid!.Value));
        Assert.Equal(-15, process.ExitCode);
        Assert.False(process.IsAlive);
    }

    [Fact]
    public async Task Kill_SleepingForever_ExitCodeIsMinusNine()
    {
        var process = Create(TestTargets.SleepForever);
        await process.StartAsync();

        process.Kill();
        await Joined(process);

        Assert.Equal(-9, process.ExitCode);
        Assert.False(OsProcesses.IsAlive(process.Pid!.Value));
    }

    [Fact]
    public async Task JoinAsync_TargetThrows_ExitCodeOneWithTheTargetsExceptionTypeMessageAndRemoteStack()
    {
        var process = Create(TestTargets.Throw, "boom in worker");
        await process.StartAsync();
        await Joined(process);

        Assert.Equal(1, process.ExitCode);
        var exception = Assert.IsType<InvalidOperationException>(process.Exception);
        Assert.Equal("boom in worker", exception.Message);
        var remote = Assert.IsType<RemoteException>(exception.InnerException);
        Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
        Assert.Equal("boom in worker", remote.RemoteMessage);
        Assert.Contains(nameof(TestTargets.Throw), remote.RemoteStackTrace);
        Assert.Contains(process.Name, remote.Message);
    }

    [Fact]
    public async Task JoinAsync_TargetThrowsExceptionWhoseMessageThrows_ExitCodeOneAndExceptionNamesTheType()
    {
        var process = Create(ErrorTargets.ThrowUnreadable);
        await process.StartAsync();
        await Joined(process);

        Assert.Equal(1, process.ExitCode);
        var exception = Assert.IsType<RemoteException>(process.Exception);
        Assert.Equal(typeof(UnreadableMessageException).FullName, exception.RemoteType);
        Assert.Contains(typeof(UnreadableMessageException).FullName!, exception.RemoteMessage);
        Assert.Contains("could not be read", exception.RemoteMessage);
        Assert.Contains(nameof(ErrorTargets.ThrowUnreadable), exception.RemoteStackTrace);
    }

    [Fact]
    public async Task JoinAsync_TargetThrowsUserExceptionWithMessageAndInnerConstructor_ExceptionIsOfThatType()
    {
        var process = Create(new Action(() => throw new CustomFailureException("custom failure in a process", null)));
        await process.StartAsync();
        await Joined(process);

        Assert.Equal(1, process.ExitCode);
        var exception = Assert.IsType<CustomFailureException>(process.Exception);
        Assert.Equal("custom failure in a process", exception.Message);
        Assert.Contains(process.Name, Assert.IsType<RemoteException>(exception.InnerException).Message);
    }

    [Fact]
    public async Task JoinAsync_TargetCallsEnvironmentExit_ReportsThatCode()
    {
        var process = Create(TestTargets.ExitWith, 7);
        await process.StartAsync();
        await Joined(process);

        Assert.Equal(7, process.ExitCode);
        Assert.Null(process.Exception);
    }

    [Fact]
    public async Task StartAsync_TwentyProcessesAtOnce_AllRunWithDistinctPids()
    {
        var processes = Enumerable.Range(0, 20)
            .Select(i => Create(TestTargets.WriteFile, ScratchFile($"p{i}.txt"), i.ToString()))
            .ToList();

        await StartAndJoinAll(processes);

        Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
        Assert.Equal(20, processes.Select(p => p.Pid).Distinct().Count());
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i.ToString(), File.ReadAllText(ScratchFile($"p{i}.txt")));
        }
    }

    [Fact]
    public async Task StartAsync_OptionalParametersNotGiven_TakeTheirDefaults_AndTooManyArgumentsSayWhatItTakes()
    {
        var path = ScratchFile("defaults.txt");
        var process = Create(TestTargets.WriteWithDefaults, path);

        await process.StartAsync();
        await Joined(process);
        var tooMany = Assert.Throws<ArgumentException>(() => Create(TestTargets.WriteWithDefaults, path, "a", 1, DateTime.UnixEpoch, 5));

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("default text x2 0", await File.ReadAllTextAsync(path));
        Assert.Contains("takes 1 to 4 arguments (3 optional), but 5 were given", tooMany.Message);
    }

    [Fact]
    public async Task StartAsync_Twice_ThrowsInvalidOperation()
    {
        var process = Create(TestTargets.WriteFile, ScratchFile("twice.txt"), "x");
        await process.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => process.StartAsync());

        Assert.Contains("already started", error.Message);
        await Joined(process);
    }

    [Fact]
    public async Task JoinTerminateKill_BeforeStart_ThrowInvalidOperation()
    {
        var process = Create(TestTargets.SleepForever);

        var join = await Assert.ThrowsAsync<InvalidOperationException>(() => process.JoinAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => process.TerminateAsync());
        Assert.Throws<InvalidOperationException>(process.Kill);

        Assert.Contains("must be started", join.Message);
        Assert.Null(process.Pid);
        Assert.False(process.IsAlive);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KillOrTerminate_DuringStartAsync_EndTheStartingProcess_AndAJoinDuringTheStartWaitsForTheExit(bool kill)
    {
        var process = Create(TestTargets.SleepForever);
        var start = process.StartAsync();
        var join = process.JoinAsync(Bound);
        Assert.False(start.IsCompleted, "the start answered before a process could be launched");

        var ended = kill ? Task.Run(process.Kill) : process.TerminateAsync();

        await ended.WaitAsync(Bound);
        try
        {
            await start.WaitAsync(Bound);
        }
        catch (InvalidOperationException notLaunched)
        {
            // Ended while it waited for its launch: there was no process, and the join says why.
            Assert.Contains("ended before it was launched", notLaunched.Message);
            var joinError = await Assert.ThrowsAsync<InvalidOperationException>(() => join.WaitAsync(Bound));
            Assert.Equal(notLaunched.Message, joinError.Message);
            return;
        }
        Assert.True(await join.WaitAsync(Bound), $"{process} did not exit within {Bound}.");
        Assert.Equal(kill ? -9 : -15, process.ExitCode);
        Assert.False(OsProcesses.IsAlive(process.Pid!.Value));
    }

    [Fact]
    public async Task DisposeAsync_DuringStartAsync_ReturnsWhenNothingRuns_AndClose_AfterACancelledStart_Succeeds()
    {
        var process = Create(TestTargets.SleepForever);
        var start = process.StartAsync();

        await process.DisposeAsync().AsTask().WaitAsync(Bound);

        var startError = await Record.ExceptionAsync(() => start.WaitAsync(Bound));
        Assert.True(startError is null or InvalidOperationException, $"the start failed with {startError}");
        Assert.False(process.IsAlive);
        Assert.DoesNotContain(process, Runtime.ActiveChildren());
        Assert.True(process.Pid is not { } pid || !OsProcesses.IsAlive(pid), "the process outlived DisposeAsync");
        Assert.Throws<ObjectDisposedException>(process.Kill);

        var cancelled = Create(TestTargets.SleepForever);
        using var cancel = new CancellationTokenSource();
        var cancelledStart = cancelled.StartAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledStart).WaitAsync(Bound);
        cancelled.Close();
        Assert.Throws<ObjectDisposedException>(cancelled.Kill);
    }

    [Fact]
    public async Task StartAsync_WorkerExecutableMissing_ThrowsNamingThePath()
    {
        await using var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions
        {
            WorkerStart = WorkerStart.Host,
            WorkerHostPath = "/nonexistent/ActorParallel.Host",
        });
        var process = runtime.CreateProcess(TestTargets.SleepForever);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => process.StartAsync());

        Assert.Contains("/nonexistent/ActorParallel.Host", error.Message);
        Assert.Null(process.Pid);
    }

    [Fact]
    public void Create_WrongArgumentCountOrType_ThrowsArgumentExceptionNamingTheTarget()
    {
        var count = Assert.Throws<ArgumentException>(() => Create(TestTargets.WriteSum, "path", 1));
        var type = Assert.Throws<ArgumentException>(() => Create(TestTargets.WriteSum, "path", "one", 2L));

        Assert.Contains("takes 3 arguments, but 2 were given", count.Message);
        Assert.Contains("'a'", type.Message);
        Assert.Contains(nameof(TestTargets.WriteSum), type.Message);
    }

    [Fact]
    public void Create_LambdaCapturingAStream_ThrowsNotShippableNamingVariableAndType()
    {
        using var stream = new MemoryStream();

        var error = Assert.Throws<NotShippableException>(() => Create(() => stream.WriteByte(1)));

        Assert.Equal(typeof(MemoryStream), error.ValueType);
        Assert.Contains("'stream'", error.Message);
        Assert.Contains("of type MemoryStream", error.Message);
    }

    [Fact]
    public async Task Name_DefaultsToProcessNAndCannotChangeAfterStart()
    {
        var process = Create(TestTargets.WriteFile, ScratchFile("named.txt"), "x");
        Assert.Equal($"Process-{process.Id}", process.Name);

        process.Name = "writer";
        await process.StartAsync();

        Assert.Equal("writer", process.Name);
        Assert.Throws<InvalidOperationException>(() => process.Name = "renamed");
        await Joined(process);
    }

    [Fact]
    public async Task DisposeAsync_RuntimeWithRunningWorkers_EndsThem()
    {
        var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host });
        var pids = new List<int>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var process = runtime.CreateProcess(TestTargets.SleepForever);
                await process.StartAsync();
                pids.Add(process.Pid!.Value);
            }

            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);

            Assert.True(await OsProcesses.AllGoneWithin(pids, TimeSpan.FromSeconds(5)), "workers outlived their runtime");
        }
        finally
        {
            pids.ForEach(OsProcesses.KillQuietly);
        }
    }

    [Fact]
    public async Task ActiveChildren_ThreeStartedOneKilledAndJoined_ListsTheOtherTwoInStartOrder()
    {
        var processes = new[] { Create(TestTargets.SleepForever), Create(TestTargets.SleepForever), Create(TestTargets.SleepForever) };
        foreach (var process in processes)
        {
            await process.StartAsync();
        }
        Assert.Equal(processes, Runtime.ActiveChildren());

        processes[1].Kill();
        await Joined(processes[1]);

        Assert.Equal([processes[0], processes[2]], Runtime.ActiveChildren());
        Assert.DoesNotContain(processes[0], WorkerProcess.ActiveChildren());   // the default runtime's, not this one's
        processes[0].Kill();
        processes[2].Kill();
        await Joined(processes[0]);
        await Joined(processes[2]);
        Assert.Empty(Runtime.ActiveChildren());
    }

    [Fact]
    public async Task Current_InAProcessTarget_GivesItsNamePidAndIsWorker()
    {
        var path = ScratchFile("current.txt");
        var process = Create(TestTargets.WriteCurrentProcess, path);
        process.Name = "writer\nwith a line break";   // names travel on a line of the worker's stdin

        await process.StartAsync();
        await Joined(process);

        Assert.Equal(0, process.ExitCode);
        var lines = File.ReadAllText(path).Split(Environment.NewLine);
        Assert.Equal("writer\nwith a line break", $"{lines[0]}\n{lines[1]}");
        Assert.Equal(process.Pid.ToString(), lines[2]);
        Assert.Equal("True", lines[3]);
    }

    [Fact]
    public void Current_InTheProgramItself_IsMainProcessAndNotAWorker()
    {
        var current = WorkerProcess.Current;

        Assert.Equal("MainProcess", current.Name);
        Assert.Equal(Environment.ProcessId, current.Pid);
        Assert.False(current.IsWorker);
    }

    [Fact]
    public async Task Current_InAPoolFunction_IsThePoolWorkerThatRunsIt()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });

        var seen = await pool.MapAsync(_ => (WorkerProcess.Current.Name, WorkerProcess.Current.Pid, WorkerProcess.Current.IsWorker), Enumerable.Range(0, 20), chunkSize: 1);
        var pids = await pool.GetWorkerPidsAsync();

        Assert.All(seen, current =>
        {
            Assert.True(current.IsWorker);
            Assert.Contains(current.Pid, pids);
            Assert.Contains("-worker-", current.Name);
        });
        Assert.Equal(seen.Select(c => c.Pid).Distinct().Count(), seen.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public async Task Close_WhileRunning_ThrowsInvalidOperation_AfterJoinCloses_ThenRefusesUse()
    {
        var process = Create(TestTargets.SleepForever);
        Create(TestTargets.Nothing).Close();   // never started: nothing to refuse
        await process.StartAsync();

        var running = Assert.Throws<InvalidOperationException>(process.Close);
        Assert.Contains("still running", running.Message);
        Assert.True(OsProcesses.IsAlive(process.Pid!.Value), "a refused close leaves the process running");

        process.Kill();
        await Joined(process);
        process.Close();
        process.Close();

        Assert.Equal(-9, process.ExitCode);
        var closed = await Assert.ThrowsAsync<ObjectDisposedException>(() => process.JoinAsync());
        Assert.StartsWith($"Process '{process.Name}' was closed (Close or DisposeAsync)", closed.Message);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => process.StartAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => process.TerminateAsync());
        Assert.Throws<ObjectDisposedException>(process.Kill);
    }

    [Fact]
    public async Task DisposeAsync_RunningProcess_TerminatesItAndCloses()
    {
        var process = Create(TestTargets.SleepForever);
        await process.StartAsync();
        var pid = process.Pid!.Value;

        await process.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(-15, process.ExitCode);
        Assert.False(OsProcesses.IsAlive(pid));
        Assert.Empty(Runtime.ActiveChildren());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => process.JoinAsync());
    }

    [Theory]
    [InlineData(-1000.0)]
    [InlineData(-2.0)]   // (-1 ms is .NET's Timeout.InfiniteTimeSpan, which waits: WaitLimitTests)
    [InlineData(0.0)]
    public async Task JoinAsync_NegativeOrZeroTimeout_LooksWithoutWaitingAsCPythonDoes(double milliseconds)
    {
        var process = Create(TestTargets.SleepForever);
        await process.StartAsync();

        var exited = await process.JoinAsync(TimeSpan.FromMilliseconds(milliseconds)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(exited);
        process.Kill();
        await Joined(process);
        Assert.True(await process.JoinAsync(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
