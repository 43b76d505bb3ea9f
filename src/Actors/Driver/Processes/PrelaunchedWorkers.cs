using ActorParallel.Configuration;

namespace ActorParallel.Driver;

/// <summary>
/// Worker processes launched ahead of need - by a pool that creates the default runtime, before the
/// driver's ActorSystem exists. Each starts its runtime and ActorSystem at once, then waits on its
/// stdin for the driver-side actor that adopts it, so its start overlaps the driver's. Owned by the
/// <see cref="ProcessSupervisor"/> once the runtime is up.
/// </summary>
internal sealed class PrelaunchedWorkers : IDisposable
{
    private readonly Queue<LaunchedWorker> _launched = new();
    private readonly string _systemName;
    private readonly ParallelRuntimeOptions _options;

    public PrelaunchedWorkers(string systemName, ParallelRuntimeOptions options)
    {
        _systemName = systemName;
        _options = options;
    }

    /// <summary>Launches <paramref name="count"/> workers (fewer if the OS refuses: the real start that follows reports why).</summary>
    public void Launch(int count)
    {
        for (var i = 0; i < count; i++)
        {
            try
            {
                _launched.Enqueue(WorkerLauncher.Start(_systemName, _options));
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
            {
                return;
            }
        }
    }

    /// <summary>A live prelaunched worker, or <see langword="null"/> when there is none.</summary>
    public LaunchedWorker? Take()
    {
        DropExited();
        return _launched.TryDequeue(out var worker) ? worker : null;
    }

    /// <summary>Ends every worker nobody adopted: end-of-file on its stdin makes it exit, and a kill makes sure.</summary>
    public void Dispose()
    {
        while (_launched.TryDequeue(out var worker))
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
