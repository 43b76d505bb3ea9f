using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>The pool samples' contracts: exact output lines, and the batch job surviving a killed worker.</summary>
public sealed class PoolSamplesTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task PoolMap_PrintsTheSeedsListExactly()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "pool-map");

        Assert.Equal(0, await sample.WaitForExit(Bound));
        Assert.Contains("[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]", sample.Lines);
        Assert.DoesNotContain(sample.Lines, l => l.StartsWith("stderr:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deadlines_PrintsEachItemsOutcomeInOrder_TwoWorkersAlive_EndsWithin15Seconds()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "deadlines");

        Assert.Equal(0, await sample.WaitForExit(TimeSpan.FromSeconds(15)));
        string[] expected =
        [
            "0 -> 0", "1 -> 1", "2 -> 4", "3 -> timed out after 1.0 s", "4 -> 16",
            "5 -> 25", "6 -> 36", "7 -> worker died: stack overflow", "8 -> 64", "9 -> 81", "workers alive: 2",
        ];
        Assert.Equal(expected, sample.Lines.Where(line => expected.Contains(line) || line.Contains(" -> ", StringComparison.Ordinal) || line.StartsWith("workers alive", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Batch_WorkerSigkilledWhileRunning_StillPrintsTheRightSum()
    {
        const int items = 300;
        using var sample = new ChildProgram("ActorParallel.Samples", "batch", "--items", $"{items}", "--delay-ms", "10");
        var workers = (await sample.WaitForLine("workers: ", Bound))["workers: ".Length..].Split(' ').Select(int.Parse).ToList();
        workers.ForEach(sample.Track);
        await sample.WaitForLine("progress: ", Bound);

        OsProcesses.KillQuietly(workers[0]);

        Assert.Equal(0, await sample.WaitForExit(Bound));
        var expected = Enumerable.Range(0, items).Sum(x => (long)x * x);
        Assert.Contains($"sum={expected}", sample.Lines);
        Assert.False(OsProcesses.IsAlive(workers[0]));
    }

    [Fact]
    public async Task Batch_InAPseudoTerminal_ShowsALiveBarWithWorkersRateAndEta()
    {
        // A tmux server of the test's own: the sample runs in its pane (a real pseudo-terminal), says
        // when it has exited, and waits to be let go so that its screen can be read first.
        var folder = Directory.CreateTempSubdirectory("actorparallel-tmux-").FullName;
        var socket = Path.Combine(folder, "socket");
        var sample = Path.Combine(AppContext.BaseDirectory, "ActorParallel.Samples");
        var command = $"'{sample}' batch --items 200 --delay-ms 10; echo exit=$?; tmux -S '{socket}' wait-for -S done; tmux -S '{socket}' wait-for end";
        try
        {
            await Tmux(socket, "new-session", "-d", "-x", "160", "-y", "20", command);
            await Tmux(socket, "wait-for", "done");
            var screen = (await Tmux(socket, "capture-pane", "-p")).Split('\n');

            Assert.Contains("exit=0", screen);
            Assert.Contains(screen, line => line.StartsWith("workers: ", StringComparison.Ordinal));
            var bar = Assert.Single(screen, line => line.Contains('━'));
            Assert.Matches(@"^200/200 items · 2 workers · \d+\.\d items/s · ETA 00:00 +━+ 100%", bar);
            Assert.Contains($"sum={Enumerable.Range(0, 200).Sum(x => (long)x * x)}", screen);
            // The terminal view, not the plain lines of a redirected stdout.
            Assert.DoesNotContain(screen, line => line.StartsWith("progress: ", StringComparison.Ordinal));
        }
        finally
        {
            await Tmux(socket, "kill-server");
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs a tmux command against the test's own server; its stdout.</summary>
    private static async Task<string> Tmux(string socket, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-S");
        start.ArgumentList.Add(socket);
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var tmux = System.Diagnostics.Process.Start(start)!;
        var output = tmux.StandardOutput.ReadToEndAsync();
        _ = tmux.StandardError.ReadToEndAsync();
        try
        {
            await tmux.WaitForExitAsync().WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            tmux.Kill();
            throw new TimeoutException($"tmux {string.Join(' ', arguments)} did not return within {Bound}.");
        }
        return await output;
    }

    [Fact]
    public async Task Telemetry_PrintsEveryInstrumentAndSpanKind_ChunkSpansFromTheWorkers()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "telemetry");

        Assert.Equal(0, await sample.WaitForExit(Bound));
        var expected = Enumerable.Range(0, 1_000).Sum(x => (long)x * x);
        Assert.Contains($"sum={expected}", sample.Lines);
        // 1,000 items on two workers: the default chunk size makes 8 chunks (4 per worker, as Python's).
        string[] exact =
        [
            "metric actorparallel.pool.items.completed 1000", "metric actorparallel.pool.chunks.completed 8",
            "metric actorparallel.pool.chunk.duration 8", "metric actorparallel.pool.backlog 0",
            "metric actorparallel.worker.started 2", "metric actorparallel.worker.exited 2", "metric actorparallel.worker.count 0",
            "span actorparallel.map 1", "span actorparallel.chunk 8", "span telemetry-sample 1",
        ];
        Assert.All(exact, line => Assert.Contains(line, sample.Lines));
        var bytes = Assert.Single(sample.Lines, line => line.StartsWith("metric actorparallel.link.io ", StringComparison.Ordinal));
        Assert.True(long.Parse(bytes["metric actorparallel.link.io ".Length..]) > 0, bytes);
        Assert.DoesNotContain(sample.Lines, line => line.StartsWith("stderr:", StringComparison.Ordinal) || line.Contains("[ERROR]") || line.Contains("[WARNING]"));
    }

    [Fact]
    public async Task RemoteNodes_RunsAPoolOverTwoHostNodes_AndTheNodesLeaveCleanly()
    {
        using var sample = new ChildProgram("ActorParallel.Samples", "remote-nodes");

        Assert.Equal(0, await sample.WaitForExit(Bound));
        var expected = Enumerable.Range(0, 1_000).Sum(x => (long)x * x);
        Assert.Contains($"squares of 0..999: sum={expected}", sample.Lines);
        Assert.Contains(sample.Lines, line => line.StartsWith("driver: akka.ssl.tcp://", StringComparison.Ordinal));
        var workers = Assert.Single(sample.Lines, line => line.StartsWith("workers: 3;", StringComparison.Ordinal));
        // Items ran here and on the nodes.
        Assert.Contains("(driver's)", workers);
        Assert.Contains("(node ", workers);
        Assert.Contains("node exit codes: 0, 0", sample.Lines);
        // Workers ended by the driver's own shutdown, or with their nodes, are not news.
        Assert.DoesNotContain(sample.Lines, line => line.Contains("[WARNING]", StringComparison.Ordinal) && line.Contains("ActorParallel pool", StringComparison.Ordinal));
    }
}
