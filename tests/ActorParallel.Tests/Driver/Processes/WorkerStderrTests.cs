using System.IO.Pipes;
using System.Text;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using ActorParallel.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Driver.Processes;

/// <summary>
/// A worker's stderr as the driver reads it: passed on whole lines at a time, the last lines kept
/// within bounds, and the .NET runtime's crash reports recognized even under a long trace.
/// </summary>
public sealed class WorkerStderrTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Snapshot_LinesWritten_PassedOnToTheSinkAndKeptInOrder()
    {
        var (stderr, sink) = await Read("first\nsecond\r\nthird without end");

        // The last line is ended, so that what the driver writes next starts a line of its own.
        Assert.Equal("first\nsecond\r\nthird without end\n", Encoding.UTF8.GetString(sink.ToArray()));
        Assert.Equal(["first", "second", "third without end"], stderr.Snapshot().Tail.ToArray());
        Assert.Null(stderr.Snapshot().Crash);
    }

    [Fact]
    public async Task LogRecords_AmongOrdinaryLines_LoggedAsTheWorkersAndTakenOutOfTheStream()
    {
        var logs = new CollectedLogs(LogLevel.Debug);
        var record = new WorkerLogLine(LogLevel.Error, "ActorParallel.Worker", "RunChunks failed:\nat Frame()");
        var sink = new MemoryStream();
        var stderr = new WorkerStderr(new MemoryStream(Encoding.UTF8.GetBytes($"before\n{record}\nafter\n")), sink, logs.Factory, pid: 4242);
        await stderr.Completion.WaitAsync(Bound);

        Assert.Equal("before\nafter\n", Encoding.UTF8.GetString(sink.ToArray()));
        Assert.Equal(["before", "after"], stderr.Snapshot().Tail.ToArray());
        var logged = Assert.Single(logs.Records);
        Assert.Equal((LogLevel.Error, "ActorParallel.Worker", "worker 4242: RunChunks failed:\nat Frame()"), (logged.Level, logged.Category, logged.Message));
    }

    [Fact]
    public async Task Snapshot_ManyLines_KeepsTheLastThirty()
    {
        var (stderr, _) = await Read(string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n")));

        Assert.Equal(Enumerable.Range(70, 30).Select(i => $"line {i}").ToArray(), stderr.Snapshot().Tail.ToArray());
    }

    [Fact]
    public async Task Snapshot_LongLines_KeepsAtMostEightKilobytes()
    {
        var (stderr, sink) = await Read(string.Concat(Enumerable.Range(0, 10).Select(i => new string((char)('a' + i), 3000) + "\n")));

        var tail = stderr.Snapshot().Tail;
        Assert.Equal(10 * 3001, sink.Length);
        Assert.True(tail.Sum(line => line.Length) <= WorkerStderr.TailChars, $"{tail.Sum(line => line.Length)} characters kept");
        Assert.Equal(new string('j', 3000), tail[^1]);
    }

    [Fact]
    public async Task Snapshot_StackOverflowReportUnderALongTrace_RecognizedWithTheFrameThatRecursed()
    {
        var trace = string.Concat(Enumerable.Range(0, 60).Select(i => $"   at Frame{i}()\n"));
        var (stderr, _) = await Read(
            "Stack overflow.\nRepeated 87000 times:\n--------------------------------\n   at Work.Recurse(Int32)\n--------------------------------\n" + trace);

        var crash = stderr.Snapshot().Crash;
        Assert.Equal(new RuntimeCrash(WorkerExitKind.StackOverflow, "at Work.Recurse(Int32), repeated 87000 times"), crash);
        Assert.DoesNotContain("Stack overflow.", stderr.Snapshot().Tail);
    }

    [Theory]
    [InlineData("Process terminated.\nboom\n   at System.Environment.FailFast(System.String)\n", "boom")]
    [InlineData("Process terminated. boom\n   at System.Environment.FailFast(System.String)\n", "boom")]
    [InlineData("Process terminated.\nfirst line\nsecond line\nException details:\nSystem.Exception: x\n", "first line second line")]
    public async Task Snapshot_FailFastReport_RecognizedWithItsMessage(string text, string message)
    {
        var (stderr, _) = await Read("before\n" + text);

        Assert.Equal(new RuntimeCrash(WorkerExitKind.FailFast, message), stderr.Snapshot().Crash);
    }

    [Fact]
    public async Task Snapshot_UnhandledExceptionReport_RecognizedWithTheExceptionLine()
    {
        var (stderr, _) = await Read("Unhandled exception. System.InvalidOperationException: thread bad\n   at Work.Run()\n");

        Assert.Equal(new RuntimeCrash(WorkerExitKind.UnhandledException, "System.InvalidOperationException: thread bad"), stderr.Snapshot().Crash);
    }

    [Fact]
    public async Task Completion_WriterStillOpen_LinesPassedOnBeforeTheEnd()
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var sink = new SignallingStream();
        var stderr = new WorkerStderr(reader, sink);

        await writer.WriteAsync(Encoding.UTF8.GetBytes("early line\npartial"));
        await writer.FlushAsync();
        await sink.Written.Task.WaitAsync(Bound);

        Assert.Equal(["early line"], stderr.Snapshot().Tail.ToArray());
        Assert.False(stderr.Completion.IsCompleted);
        writer.Dispose();
        await stderr.Completion.WaitAsync(Bound);
        Assert.Equal(["early line", "partial"], stderr.Snapshot().Tail.ToArray());
    }

    /// <summary>A sink that says when something was first passed on to it.</summary>
    private sealed class SignallingStream : MemoryStream
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer);
            Written.TrySetResult();
        }
    }

    private static async Task<(WorkerStderr Stderr, MemoryStream Sink)> Read(string text)
    {
        var sink = new MemoryStream();
        var stderr = new WorkerStderr(new MemoryStream(Encoding.UTF8.GetBytes(text)), sink);
        await stderr.Completion.WaitAsync(Bound);
        return (stderr, sink);
    }
}
