namespace ActorParallel.Tests.Support;

/// <summary>Functions that pool workers run in tests.</summary>
public static class PoolTargets
{
    public static int Square(int x) => x * x;

    public static int Pid(int _) => Environment.ProcessId;

    public static int SlowSquare(int x)
    {
        Thread.Sleep(5);
        return x * x;
    }

    /// <summary>The worker's pid, after 10 ms of work: slow enough that a map lasts while nodes come and go.</summary>
    public static int SlowPid(int _)
    {
        Thread.Sleep(10);
        return Environment.ProcessId;
    }

    public static int ThrowOnSeven(int x) => x == 7 ? throw new InvalidOperationException($"seven is not allowed ({x})") : x;

    /// <summary>Kills its own worker process on item 5: a poison item.</summary>
    public static int DieOnFive(int x)
    {
        if (x == 5)
        {
            Environment.FailFast("poison item");
        }
        return x;
    }

    public static string Repeat(int length) => new('r', length);

    public static int Length(string text) => text.Length;

    public static int Add(int a, int b) => a + b;

    public static void MarkInitialized(string folder) =>
        File.AppendAllText(Path.Combine(folder, $"init-{Environment.ProcessId}"), "initialized\n");

    /// <summary>Writes its pid to <paramref name="marker"/>.pid, then creates <paramref name="marker"/>, then never returns: work that will not stop.</summary>
    public static int MarkThenBlock(string marker)
    {
        File.WriteAllText(marker + ".pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Create(marker).Dispose();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>Item 0 takes half a second, item 7 throws: the failure is known long before the first result.</summary>
    public static int SlowFirstThrowOnSeven(int x)
    {
        if (x == 0)
        {
            Thread.Sleep(500);
        }
        return ThrowOnSeven(x);
    }

    /// <summary>Never returns, in the way <paramref name="kind"/> names: a busy loop, a blocked thread, or a spin that never yields.</summary>
    public static int Hang(string kind)
    {
        switch (kind)
        {
            case "loop":
                var turns = 0L;
                while (turns >= 0)
                {
                    turns = (turns + 1) & long.MaxValue;
                }
                return (int)turns;
            case "sleep":
                Thread.Sleep(Timeout.Infinite);
                return 0;
            case "spin":
                while (true)
                {
                    Thread.SpinWait(1_000_000);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "loop, sleep or spin");
        }
    }

    /// <summary>
    /// Writes its pid to <paramref name="marker"/>.pid, creates <paramref name="marker"/>, then waits for
    /// <paramref name="token"/>: work that stops when asked, by throwing <see cref="OperationCanceledException"/>.
    /// </summary>
    public static int MarkThenWaitForToken(string marker, CancellationToken token)
    {
        File.WriteAllText(marker + ".pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Create(marker).Dispose();
        token.WaitHandle.WaitOne();
        token.ThrowIfCancellationRequested();
        return 0;
    }
}
