using System.Collections.Immutable;
using System.Text;
using ActorParallel.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Driver;

/// <summary>
/// A worker's stderr, read by its driver: each line goes on to the driver's own stderr as it arrives
/// (as a Python child's writes to the stderr it inherits appear), and the last lines stay here, with
/// the .NET runtime's crash report if it printed one (<c>Stack overflow.</c>, <c>Process terminated.</c>,
/// <c>Unhandled exception.</c>), to say why the worker died. A crash report is kept apart from the
/// tail, so a long trace after it does not push it out. The worker's log records (<see cref="WorkerLogLine"/>)
/// are taken out of the stream and logged to the driver's logger instead.
/// </summary>
internal sealed class WorkerStderr
{
    /// <summary>The most lines kept of a worker's stderr.</summary>
    public const int TailLines = 30;

    /// <summary>The most characters kept of a worker's stderr (a longer single line is cut).</summary>
    public const int TailChars = 8 * 1024;

    /// <summary>A partial line longer than this is passed on without waiting for its end.</summary>
    private const int MaxPendingBytes = 8 * 1024;

    /// <summary>Lines after a crash report's headline kept to describe it (its message, or the frame that recursed).</summary>
    private const int ReportLines = 4;

    private const string StackOverflowHeadline = "Stack overflow.";
    private const string FailFastHeadline = "Process terminated.";
    private const string UnhandledHeadline = "Unhandled exception.";

    /// <summary>The driver process's stderr (file descriptor 2, as a child's inherited stderr would be), shared by every worker's reader.</summary>
    private static readonly Lazy<Stream> s_driverStderr = new(Console.OpenStandardError);

    private readonly Stream _source;
    private readonly Stream _sink;
    private readonly ILoggerFactory? _logs;
    private readonly int _pid;
    private readonly object _gate = new();
    private readonly Queue<string> _tail = new();
    private int _tailChars;
    private WorkerExitKind? _reportKind;
    private string _reportHeadline = string.Empty;
    private readonly List<string> _reportLines = [];
    private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="source">The read end of the worker's stderr pipe.</param>
    /// <param name="sink">Where its lines go on to; writes are serialized on the sink, so lines of different workers never mix.</param>
    /// <param name="logs">Where the worker's log records go; when <see langword="null"/>, they go on to <paramref name="sink"/> as they came.</param>
    /// <param name="pid">The worker's process id, to say whose the records are.</param>
    public WorkerStderr(Stream source, Stream sink, ILoggerFactory? logs = null, int pid = 0)
    {
        _source = source;
        _sink = sink;
        _logs = logs;
        _pid = pid;
        Completion = Task.Run(PumpAsync);
    }

    /// <summary>Completes when the worker's stderr has reached end-of-file (every process holding it has exited) or failed.</summary>
    public Task Completion { get; }

    /// <summary>Completes when a worker launched ahead of need says it is up and waits to be adopted (<see cref="WorkerLogLine.WaitingLine"/>).</summary>
    public Task Waiting => _waiting.Task;

    /// <summary>Reads <paramref name="source"/> onto the driver's stderr, and the log records in it to <paramref name="logs"/>.</summary>
    public static WorkerStderr Start(Stream source, ILoggerFactory logs, int pid) => new(source, s_driverStderr.Value, logs, pid);

    /// <summary>What has been read so far: the last lines and the runtime's crash report, if any.</summary>
    public StderrReport Snapshot()
    {
        lock (_gate)
        {
            var crash = _reportKind is { } kind ? new RuntimeCrash(kind, Describe(kind)) : null;
            return new StderrReport([.. _tail], crash);
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[4096];
        var pending = new byte[MaxPendingBytes + buffer.Length];
        var pendingCount = 0;
        try
        {
            int read;
            while ((read = await _source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                buffer.AsSpan(0, read).CopyTo(pending.AsSpan(pendingCount));
                pendingCount += read;
                var lastNewline = pending.AsSpan(0, pendingCount).LastIndexOf((byte)'\n');
                var passOn = lastNewline >= 0 ? lastNewline + 1 : pendingCount >= MaxPendingBytes ? pendingCount : 0;
                if (passOn == 0)
                {
                    continue;
                }
                Take(pending.AsSpan(0, passOn));
                pending.AsSpan(passOn, pendingCount - passOn).CopyTo(pending);
                pendingCount -= passOn;
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The pipe was closed under the reader (the process object was disposed): what was read stays.
        }
        if (pendingCount > 0)
        {
            // The last line had no end: it gets one, so that the next thing written there starts a line of its own.
            pending[pendingCount] = (byte)'\n';
            Take(pending.AsSpan(0, pendingCount + 1));
        }
    }

    /// <summary>Keeps whole lines (or a long piece of one), then passes them on.</summary>
    private void Take(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.TrimEnd('\n').Split('\n');
        List<string>? passed = null;
        List<WorkerLogLine>? records = null;
        var waiting = false;
        lock (_gate)
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.TrimEnd('\r') == WorkerLogLine.WaitingLine)
                {
                    passed ??= [.. lines[..i]];
                    waiting = true;
                    continue;
                }
                if (_logs is not null && WorkerLogLine.Parse(line.TrimEnd('\r')) is { } record)
                {
                    passed ??= [.. lines[..i]];
                    (records ??= []).Add(record);
                    continue;
                }
                passed?.Add(line);
                Keep(line.TrimEnd('\r'));
            }
        }
        foreach (var record in records ?? [])
        {
            _logs!.CreateLogger(record.Category).Log(record.Level, "worker {Pid}: {Text}", _pid, record.Text);
        }
        if (waiting)
        {
            // After the records it wrote before it: whoever waits for it sees them logged.
            _waiting.TrySetResult();
        }
        if (passed is not null)
        {
            // Some lines were log records: the others go on, each with its line break.
            if (passed.Count == 0)
            {
                return;
            }
            bytes = Encoding.UTF8.GetBytes(string.Join('\n', passed) + "\n");
        }
        try
        {
            lock (_sink)
            {
                _sink.Write(bytes);
                _sink.Flush();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or NotSupportedException)
        {
            // The driver's own stderr is closed or broken: the lines are still kept.
        }
    }

    private void Keep(string line)
    {
        if (line.Length > TailChars)
        {
            line = line[..TailChars];
        }
        Recognize(line);
        _tail.Enqueue(line);
        _tailChars += line.Length;
        while (_tail.Count > TailLines || _tailChars > TailChars)
        {
            _tailChars -= _tail.Dequeue().Length;
        }
    }

    /// <summary>Notes the runtime's crash report: its headline, and the few lines that follow it.</summary>
    private void Recognize(string line)
    {
        WorkerExitKind? kind = line switch
        {
            StackOverflowHeadline => WorkerExitKind.StackOverflow,
            _ when line.StartsWith(FailFastHeadline, StringComparison.Ordinal) => WorkerExitKind.FailFast,
            _ when line.StartsWith(UnhandledHeadline, StringComparison.Ordinal) => WorkerExitKind.UnhandledException,
            _ => null,
        };
        if (kind is not null)
        {
            _reportKind = kind;
            _reportHeadline = line;
            _reportLines.Clear();
        }
        else if (_reportKind is not null && _reportLines.Count < ReportLines)
        {
            _reportLines.Add(line);
        }
    }

    /// <summary>
    /// The crash report in a few words: the message given to <c>Environment.FailFast</c> (on the
    /// headline's line in older runtimes, on the lines after it in .NET 10), the unhandled exception's
    /// line, or the frame that recursed.
    /// </summary>
    private string? Describe(WorkerExitKind kind)
    {
        var followingText = _reportLines.TakeWhile(l => l.Length > 0 && !l.StartsWith("   at ", StringComparison.Ordinal) && !l.StartsWith("Exception details:", StringComparison.Ordinal));
        switch (kind)
        {
            case WorkerExitKind.FailFast:
                var message = string.Join(" ", new[] { _reportHeadline[FailFastHeadline.Length..].Trim() }.Concat(followingText).Where(l => l.Length > 0));
                return message.Length > 0 ? message : null;
            case WorkerExitKind.UnhandledException:
                return _reportHeadline[UnhandledHeadline.Length..].Trim();
            default:
                var frame = _reportLines.FirstOrDefault(l => l.StartsWith("   at ", StringComparison.Ordinal))?.Trim();
                var repeated = _reportLines.FirstOrDefault(l => l.StartsWith("Repeated ", StringComparison.Ordinal))?.TrimEnd(':');
                return frame is null ? null : repeated is null ? frame : $"{frame}, {repeated.ToLowerInvariant()}";
        }
    }
}

/// <summary>What a worker wrote to its stderr: its last lines, and the runtime's crash report if it printed one.</summary>
/// <param name="Tail">The last lines, oldest first (at most <see cref="WorkerStderr.TailLines"/> and <see cref="WorkerStderr.TailChars"/>).</param>
/// <param name="Crash">The runtime's crash report, or <see langword="null"/>.</param>
internal sealed record StderrReport(ImmutableArray<string> Tail, RuntimeCrash? Crash);

/// <summary>A crash report the .NET runtime printed before it aborted the process.</summary>
/// <param name="Kind">Stack overflow, FailFast or unhandled exception.</param>
/// <param name="Detail">Its message, exception line or recursing frame, if it printed one.</param>
internal sealed record RuntimeCrash(WorkerExitKind Kind, string? Detail);
