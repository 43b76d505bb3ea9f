using ActorParallel.Protocol;
using ActorParallel.Serialization;
using Akka.Actor;

namespace ActorParallel.Workers;

/// <summary>
/// Remote-deployed by the driver into a worker process. Runs a process target on a thread of its
/// own (<see cref="Target"/>), or, in a pool, hands chunks to its
/// <see cref="ChunkExecutor"/>; ends the process when the driver says so.
/// </summary>
internal sealed class WorkerActor : UntypedActor
{
    private ChunkExecutor? _executor;

    private ChunkExecutor Executor => _executor ??= CreateExecutor();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunTarget run:
                HandleRun(run, Sender);
                break;
            case RunChunks or RunInitializer or AbandonMap or AbandonChunk or ReclaimChunks or PrepareToServe or PinComputeThread or SetMemoryBudget:
                Executor.TryAccept(message, Sender);
                break;
            case ExitWorker exit:
                WorkerNode.RequestExit(Context.System, exit.ExitCode);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop() => _executor?.Dispose();

    private ChunkExecutor CreateExecutor()
    {
        var self = Self;
        var segments = WireSegments.Get(Context.System);
        // Results larger than a remoting frame go in pieces, and what follows them waits until they are in.
        return new ChunkExecutor((reply, router) => segments.Send(router, reply, self), MessageLimits.MaxPayloadBytes(Context.System), sendCopies: false);
    }

    private void HandleRun(RunTarget run, IActorRef driver)
    {
        var self = Self;
        Target.Start(run, finished => driver.Tell(finished, self));
    }
}

/// <summary>A process target, run once on a thread of its own (so a target that blocks never blocks anything else).</summary>
internal static class Target
{
    /// <summary>
    /// Runs <paramref name="run"/>'s call, flushes its shared writes, then reports how it ended. Whatever
    /// fails on this thread - the target, the flush, capturing or printing the error, the report - is
    /// reported as the target's error if it can be, and never ends the process.
    /// </summary>
    public static void Start(RunTarget run, Action<TargetFinished> report)
    {
        // A spare linked ahead learns its name only now.
        CurrentProcess.EnterWorker(run.ProcessName);
        var thread = new Thread(() =>
        {
            RemoteError? error = null;
            try
            {
                try
                {
                    ShippedCall.Invoke(run.Call);
                }
                finally
                {
                    // Join is a barrier: the parent must see every shared write once it hears of the exit.
                    Workers.SharedStateNode.FlushThisProcess();
                }
            }
            catch (Exception exception)
            {
                error = RemoteError.From(exception);
                // As a Python child does: the traceback goes to the worker's stderr, which is the parent's console.
                TryPrint($"Process {run.ProcessName}:{Environment.NewLine}{error}");
            }
            try
            {
                report(new TargetFinished(error));
            }
            catch (Exception failure)
            {
                // The outcome could not be sent as it was (e.g. it did not encode): send what it was, briefly.
                var unsent = RemoteError.From(failure);
                TryPrint($"Process {run.ProcessName}: its outcome could not be reported: {unsent}");
                try
                {
                    report(new TargetFinished(new RemoteError(
                        error?.Type ?? unsent.Type,
                        $"{error?.Message ?? "The target returned"}; its outcome could not be reported in full: {unsent.Type}: {unsent.Message}",
                        string.Empty,
                        null)));
                }
                catch (Exception)
                {
                    // Nowhere left to report it: the driver sees the exit code alone.
                }
            }
        })
        {
            IsBackground = true,
            Name = $"actorparallel-target-{run.ProcessName}",
        };
        thread.Start();
    }

    private static void TryPrint(string text)
    {
        try
        {
            Console.Error.WriteLine(text);
        }
        catch (Exception)
        {
            // A closed or broken stderr must not cost the outcome.
        }
    }
}
