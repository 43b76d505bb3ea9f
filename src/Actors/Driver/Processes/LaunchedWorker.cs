using System.Diagnostics;

namespace ActorParallel.Driver;

/// <summary>
/// A worker OS process as its driver holds it from launch: the process, the reader of its stderr
/// (started at once, so the pipe never fills), and the OOM-kill counter where it runs, to tell
/// later whether the kernel's OOM killer ended it.
/// </summary>
internal sealed class LaunchedWorker : IDisposable
{
    /// <param name="process">The worker, just started.</param>
    /// <param name="logs">Where the log records it writes to its stderr go.</param>
    public LaunchedWorker(Process process, Microsoft.Extensions.Logging.ILoggerFactory logs)
    {
        Process = process;
        Stderr = WorkerStderr.Start(process.StandardError.BaseStream, logs, process.Id);
        OomBaseline = OomKills.Read(process.Id);
    }

    public Process Process { get; }

    /// <summary>A spare process (<see cref="ParallelRuntimeOptions.SpareProcesses"/>), which warms up while it waits.</summary>
    public bool IsSpare { get; init; }

    /// <summary>The direct link offered to a spare when it was launched, until the process actor that adopts it takes it.</summary>
    public DirectLinkOffer? Link { get; set; }

    /// <summary>Takes <see cref="Link"/>: from now on the caller owns it.</summary>
    public DirectLinkOffer? TakeLink()
    {
        var link = Link;
        Link = null;
        return link;
    }

    public WorkerStderr Stderr { get; }

    /// <summary>The OOM-kill counter that covers the worker, as it was when last read.</summary>
    public OomKillCount? OomBaseline { get; private set; }

    /// <summary>
    /// Reads the counter again where the worker runs now. Called once it has connected back: a
    /// wrapper that moved it to a cgroup of its own (<c>systemd-run</c>, a script) has done so by then,
    /// and the narrower the window, the less an unrelated OOM kill in a shared cgroup can be taken for its.
    /// </summary>
    public void RefreshOomBaseline() => OomBaseline = OomKills.Read(Process.Id) ?? OomBaseline;

    /// <summary>Why the process ended, from everything known now (call once it has exited).</summary>
    /// <param name="exitCode">Its exit code, in Python's convention.</param>
    /// <param name="endedByDriver">Why this driver ended it, or <see langword="null"/>.</param>
    public WorkerExitCause Diagnose(int exitCode, string? endedByDriver) =>
        ExitDiagnosis.Diagnose(exitCode, endedByDriver, Stderr.Snapshot(), OomKills.RoseSince(OomBaseline));

    public void Dispose()
    {
        TakeLink()?.Abandon();
        Process.Dispose();
    }
}
