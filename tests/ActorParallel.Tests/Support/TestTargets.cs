namespace ActorParallel.Tests.Support;

/// <summary>Targets that worker processes run in tests; each leaves evidence a test can check from outside.</summary>
public static class TestTargets
{
    public static void WriteFile(string path, string text) => File.WriteAllText(path, text);

    /// <summary>Writes <paramref name="text"/> and <paramref name="times"/> (optional parameters, a struct's <c>default</c> among them).</summary>
    public static void WriteWithDefaults(string path, string text = "default text", int times = 2, DateTime stamp = default) =>
        File.WriteAllText(path, $"{text} x{times} {stamp.Ticks}");

    public static void WriteSum(string path, int a, long b) => File.WriteAllText(path, (a + b).ToString());

    /// <summary>Writes whether this worker process runs an ActorSystem by now.</summary>
    public static void WriteWhetherSystemRuns(string path) =>
        File.WriteAllText(path, (ActorParallel.Configuration.NodeTransport.SystemsStarted > 0).ToString());

    public static void SleepForever() => Thread.Sleep(Timeout.Infinite);

    public static void Sleep(int milliseconds) => Thread.Sleep(milliseconds);

    /// <summary>Writes what <see cref="WorkerProcess.Current"/> says in the worker: name, pid and whether it is a worker, a line each.</summary>
    public static void WriteCurrentProcess(string path)
    {
        var current = WorkerProcess.Current;
        File.WriteAllLines(path, [current.Name, current.Pid.ToString(), current.IsWorker.ToString()]);
    }

    public static void Nothing()
    {
    }

    public static void Throw(string message) => throw new InvalidOperationException(message);

    public static void ExitWith(int code) => Environment.Exit(code);

    public static async Task WriteFileLater(string path, string text)
    {
        await Task.Yield();
        await File.WriteAllTextAsync(path, text);
    }

    public static void Generic<T>(string path, T value) => File.WriteAllText(path, $"{typeof(T).Name}:{value}");
}
