using System.Diagnostics;

namespace ActorParallel.Tests.Support;

/// <summary>
/// Runs one of the executables copied beside the tests (a sample, the test parent) with its output
/// captured line by line; disposing kills it and every pid it reported, whatever the test did.
/// </summary>
public sealed class ChildProgram : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _reportedPids = [];
    private TaskCompletionSource<string>? _waitingFor;
    private string? _waitingPrefix;

    public ChildProgram(string executable, params string[] arguments)
        : this(Path.Combine(AppContext.BaseDirectory, executable), arguments, null)
    {
    }

    private ChildProgram(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "stderr: " + e.Data);
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs an executable given by its full path (one a test built itself).</summary>
    public static ChildProgram At(string path, params string[] arguments) => new(path, arguments, null);

    /// <summary>Runs an executable beside the tests with extra environment variables.</summary>
    public static ChildProgram WithEnvironment(IReadOnlyDictionary<string, string> environment, string executable, params string[] arguments) =>
        new(Path.Combine(AppContext.BaseDirectory, executable), arguments, environment);

    /// <summary>
    /// Runs an executable beside the tests with SIGINT and SIGTERM at their default disposition, as a
    /// program started from a terminal has them (a test process started in the background may inherit
    /// them ignored; <c>env</c> execs the program, so <see cref="Pid"/> is the program's own).
    /// </summary>
    public static ChildProgram WithDefaultSignals(string executable, params string[] arguments) =>
        new("env", ["--default-signal=INT,TERM", Path.Combine(AppContext.BaseDirectory, executable), .. arguments], null);

    /// <summary>
    /// Runs an executable beside the tests inside a network namespace (<c>ip netns exec</c> execs it,
    /// so <see cref="Pid"/> is the program's own).
    /// </summary>
    public static ChildProgram InNamespace(string networkNamespace, IReadOnlyDictionary<string, string>? environment, string executable, params string[] arguments) =>
        new("ip", ["netns", "exec", networkNamespace, Path.Combine(AppContext.BaseDirectory, executable), .. arguments], environment);

    public int Pid => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    /// <summary>Remembers pids the program reports so that <see cref="Dispose"/> kills them too.</summary>
    public void Track(int pid)
    {
        lock (_lines)
        {
            _reportedPids.Add(pid);
        }
    }

    /// <summary>Waits for the first line that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForLine(string prefix, TimeSpan timeout)
    {
        TaskCompletionSource<string> waiter;
        lock (_lines)
        {
            var seen = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (seen is not null)
            {
                return seen;
            }
            waiter = _waitingFor = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitingPrefix = prefix;
        }
        var finished = await Task.WhenAny(waiter.Task, _exited.Task).WaitAsync(timeout);
        if (finished != waiter.Task)
        {
            // Exited: its last lines may still be on their way through the pipe (a program that ends right
            // after printing them); they have all been read once the wait below returns.
            await _process.WaitForExitAsync().WaitAsync(timeout);
            lock (_lines)
            {
                if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } late)
                {
                    return late;
                }
            }
            throw new Xunit.Sdk.XunitException($"The program exited before printing '{prefix}'. Output:\n{string.Join('\n', Lines)}");
        }
        return await waiter.Task;
    }

    /// <summary>Waits for the program to exit and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        await _exited.Task.WaitAsync(timeout);
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public void KillHard() => _process.Kill(entireProcessTree: false);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        lock (_lines)
        {
            foreach (var pid in _reportedPids)
            {
                OsProcesses.KillQuietly(pid);
            }
        }
        // A driver killed hard cannot remove its direct-link socket folder (the next driver to start
        // would): the test that killed it does.
        var sockets = Path.Combine(Path.GetTempPath(), $"actorparallel-{_process.Id}");
        if (_process.HasExited && Directory.Exists(sockets))
        {
            Directory.Delete(sockets, recursive: true);
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(line);
            if (_waitingPrefix is not null && line.StartsWith(_waitingPrefix, StringComparison.Ordinal))
            {
                _waitingFor!.TrySetResult(line);
                _waitingPrefix = null;
            }
        }
    }
}
