using System.Collections.Immutable;
using ActorParallel.Protocol;

namespace ActorParallel;

/// <summary>
/// Why a worker process ended, as its driver diagnosed it from the exit status, the last lines of the
/// worker's stderr (the .NET runtime prints its crash reports there before aborting), the kernel's
/// OOM-kill counter and its own kill orders. Python's <c>multiprocessing</c> gives only the exit code
/// (<c>Process.exitcode</c>, -N for signal N); this is that code with its explanation.
/// </summary>
/// <param name="Kind">What ended the process.</param>
/// <param name="ExitCode">The exit code in Python's convention: -N when signal N ended it, otherwise the code it exited with.</param>
/// <param name="Message">One line for a person: the cause, e.g. <c>stack overflow (in Work.Recurse(Int32), repeated 87,000 times)</c>.</param>
public sealed record WorkerExitCause(WorkerExitKind Kind, int ExitCode, string Message)
{
    /// <summary>
    /// What the cause's source said: the message given to <see cref="Environment.FailFast(string)"/>,
    /// the unhandled exception's line, the frame that recursed, the OOM-kill counter that rose, or why
    /// this driver ended the process; <see langword="null"/> when there is nothing more to say.
    /// </summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The last lines the worker wrote to its stderr (at most 30 lines and 8 KB, oldest first), which
    /// also went to the driver's stderr as they came; empty when it wrote none.
    /// </summary>
    public ImmutableArray<string> StderrTail { get; init; } = [];

    /// <summary>The signal that ended the process (9 for SIGKILL, ...), or <see langword="null"/> when it exited by itself.</summary>
    public int? Signal => ExitCode < 0 ? -ExitCode : null;

    /// <summary>The Linux name of <see cref="Signal"/> (<c>SIGKILL</c>, <c>SIGSEGV</c>, <c>SIGABRT</c>, ...), or <see langword="null"/> when it exited by itself.</summary>
    public string? SignalName => Signal is { } signal ? ExitCodes.SignalName(signal) : null;

    /// <summary>Whether two causes say the same, stderr lines included.</summary>
    /// <param name="other">The other cause.</param>
    /// <returns><see langword="true"/> when every field is equal.</returns>
    public bool Equals(WorkerExitCause? other) =>
        other is not null && Kind == other.Kind && ExitCode == other.ExitCode && Message == other.Message && Detail == other.Detail &&
        StderrTail.AsSpan().SequenceEqual(other.StderrTail.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, ExitCode, Message, Detail, StderrTail.Length);

    /// <summary>The <see cref="Message"/>.</summary>
    /// <returns>The cause in one line.</returns>
    public override string ToString() => Message;
}
