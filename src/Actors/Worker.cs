using ActorParallel.Protocol;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// Entry point of worker mode. Call <see cref="EnterIfWorker"/> as the first line of <c>Main</c>:
/// in the program the user runs it returns at once; in a worker process (this program re-entered by
/// ActorParallel, as Python's <c>spawn</c> re-imports <c>__main__</c>) it runs the worker and never returns.
/// </summary>
public static class Worker
{
    private static volatile bool s_optedIn;

    /// <summary>Whether this program has called <see cref="EnterIfWorker"/>, and so can be re-entered as a worker.</summary>
    public static bool OptedIn => s_optedIn;

    /// <summary>
    /// In a worker process, runs the worker until its driver ends it, then exits the process with the
    /// worker's exit code. Anywhere else, returns at once and marks this program as able to re-enter
    /// itself as a worker (<see cref="WorkerStart.Self"/>).
    /// </summary>
    public static void EnterIfWorker()
    {
        s_optedIn = true;
        var environment = WorkerEnvironment.TakeFromCurrentProcess();
        if (environment is null)
        {
            return;
        }
        Environment.Exit(WorkerNode.Run(environment));
    }
}
