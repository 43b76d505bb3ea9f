using ActorParallel.Configuration;

namespace ActorParallel.Driver;

/// <summary>
/// Worker processes launched ahead of need - by a pool that creates the default runtime, before the
/// driver's ActorSystem exists, and the spare processes <see cref="ParallelRuntimeOptions.SpareProcesses"/>
/// asks for. Each starts its runtime and ActorSystem at once, then waits on its stdin for the
/// driver-side actor that adopts it, so its start overlaps the driver's (or happens before it is
/// needed). Owned by the <see cref="ProcessSupervisor"/> once the runtime is up.
/// </summary>
internal sealed class PrelaunchedWorkers : IDisposable
{
    private readonly Queue<LaunchedWorker> _launched = new();
    private readonly string _systemName;
    private readonly ParallelRuntimeOptions _options;

    /// <summary>The payload limit spares' links are offered with, once the supervisor knows it (<see cref="LinkSpares"/>).</summary>
    private int? _maxPayloadBytes;

    public PrelaunchedWorkers(string systemName, ParallelRuntimeOptions options, int spares = 0)
    {
        _systemName = systemName;
        _options = options;
        Spares = spares;
    }

    /// <summary>How many workers to keep waiting (<see cref="ParallelRuntimeOptions.SpareProcesses"/>; 0 on a Host node).</summary>
    public int Spares { get; }

    /// <summary>Launches workers until <see cref="Spares"/> live ones wait.</summary>
    public void Refill()
    {
        int waiting;
        lock (_launched)
        {
            DropExited();
            waiting = _launched.Count;
        }
        Launch(Spares - waiting, spare: true);
    }

    /// <summary>Launches <paramref name="count"/> workers (fewer if the OS refuses: the real start that follows reports why).</summary>
    /// <param name="count">How many.</param>
    /// <param name="spare">Spare processes, which warm up while they wait; not those a starting pool or process will take at once.</param>
    public void Launch(int count, bool spare = false)
    {
        for (var i = 0; i < count; i++)
        {
            try
            {
                var worker = WorkerLauncher.Start(_systemName, _options, spare);
                Offer(worker);
                lock (_launched)
                {
                    _launched.Enqueue(worker);
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Offers every waiting spare, and every spare launched from now on, its direct link at once (see
    /// <see cref="DirectLinkOffer"/>), so that the process that takes it finds it connected. Called by
    /// the supervisor, which knows the payload limit, once its system is up. Spares of a runtime whose
    /// workers link over remoting are not linked ahead: they greet the actor that adopts them.
    /// </summary>
    public void LinkSpares(int maxPayloadBytes)
    {
        _maxPayloadBytes = maxPayloadBytes;
        lock (_launched)
        {
            foreach (var worker in _launched)
            {
                Offer(worker);
            }
        }
    }

    /// <summary>
    /// A live prelaunched worker, or <see langword="null"/> when there is none. A spare linked ahead
    /// (which goes by the name its target gives it) is taken only when <paramref name="linkedToThisDriver"/>:
    /// a process whose starter is this driver and that runs a target, not a pool's worker.
    /// </summary>
    public LaunchedWorker? Take(bool linkedToThisDriver)
    {
        lock (_launched)
        {
            DropExited();
            for (var i = _launched.Count; i > 0; i--)
            {
                var worker = _launched.Dequeue();
                if (worker.Link is null || linkedToThisDriver)
                {
                    return worker;
                }
                _launched.Enqueue(worker);
            }
            return null;
        }
    }

    private void Offer(LaunchedWorker worker)
    {
        if (!worker.IsSpare || worker.Link is not null || _maxPayloadBytes is not { } limit || _options.WorkerLink != WorkerLink.Direct)
        {
            return;
        }
        try
        {
            // Null: it exited already; dropped as it would be anyway.
            worker.Link = DirectLinkOffer.Make(worker.Process, null, limit);
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            // No socket now: the process that takes it offers one itself, and reports what fails then.
        }
    }

    /// <summary>Completes once every worker waiting now is up and waits to be adopted (or has exited).</summary>
    public Task WaitingAsync()
    {
        lock (_launched)
        {
            return Task.WhenAll(_launched.Select(worker => Task.WhenAny(worker.Stderr.Waiting, worker.Stderr.Completion)));
        }
    }

    /// <summary>Ends every worker nobody adopted: end-of-file on its stdin makes it exit, and a kill makes sure.</summary>
    public void Dispose()
    {
        while (TakeAny() is { } worker)
        {
            try
            {
                worker.Process.StandardInput.Close();
                if (!worker.Process.WaitForExit(Timeouts.PrelaunchedExit))
                {
                    worker.Process.Kill();
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
            worker.Dispose();
        }
    }

    private LaunchedWorker? TakeAny()
    {
        lock (_launched)
        {
            return _launched.TryDequeue(out var worker) ? worker : null;
        }
    }

    private void DropExited()
    {
        for (var i = _launched.Count; i > 0; i--)
        {
            var worker = _launched.Dequeue();
            if (worker.Process.HasExited)
            {
                worker.Dispose();
            }
            else
            {
                _launched.Enqueue(worker);
            }
        }
    }
}

/// <summary>
/// Asks a <see cref="ProcessSupervisor"/> for a task that completes once the spare processes waiting
/// after everything it was told before are up (<see cref="PrelaunchedWorkers.WaitingAsync"/>): a
/// process's exit, which makes it launch a replacement, is in its mailbox before the process's joiner
/// hears of it.
/// </summary>
internal sealed class SparesWaiting
{
    public static readonly SparesWaiting Instance = new();
}
