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

    public static string? NullForTheWordNull(string word) => word == "null" ? null : word.ToUpperInvariant();

    public static int Length(string text) => text.Length;

    public static int Add(int a, int b) => a + b;

    /// <summary>Appends a line to <paramref name="folder"/>/init-pid (a second run in one process makes two), then creates done-pid.</summary>
    public static void MarkInitialized(string folder)
    {
        File.AppendAllText(Path.Combine(folder, $"init-{Environment.ProcessId}"), "initialized\n");
        File.Create(Path.Combine(folder, $"done-{Environment.ProcessId}")).Dispose();
    }

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

    /// <summary>Returns <paramref name="x"/> at once, except item 5, which never returns.</summary>
    public static int HangOnFive(int x) => x == 5 ? Hang("sleep") : x;

    /// <summary>Returns <paramref name="x"/> after 0.3 ms of work, except item 5, which never returns.</summary>
    public static int SpinThenHangOnFive(int x)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(0.3))
        {
            Thread.SpinWait(100);
        }
        return HangOnFive(x);
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

    /// <summary>
    /// Counts one more try of item <paramref name="x"/> in <paramref name="folder"/> (a file per item,
    /// so that tries in different worker processes add up) and returns how many there have been.
    /// </summary>
    public static int CountTry(string folder, int x)
    {
        var file = Path.Combine(folder, $"item-{x}");
        File.AppendAllText(file, "try\n");
        return File.ReadAllLines(file).Length;
    }

    /// <summary>How many times item <paramref name="x"/> was tried (<see cref="CountTry"/>); 0 if never.</summary>
    public static int Tries(string folder, int x)
    {
        var file = Path.Combine(folder, $"item-{x}");
        return File.Exists(file) ? File.ReadAllLines(file).Length : 0;
    }

    /// <summary>
    /// Item <paramref name="failing"/> throws <see cref="InvalidOperationException"/> on its first
    /// <paramref name="failures"/> tries, then returns its square; every item counts its tries.
    /// </summary>
    public static int SquareFailingFirst(string folder, int failing, int failures, int x)
    {
        var attempt = CountTry(folder, x);
        return x == failing && attempt <= failures ? throw new InvalidOperationException($"item {x} failed on try {attempt}") : x * x;
    }

    /// <summary>Item <paramref name="failing"/> hangs on its first <paramref name="hangs"/> tries (past any deadline) and returns its square after.</summary>
    public static int SquareHangingFirst(string folder, int failing, int hangs, int x)
    {
        var attempt = CountTry(folder, x);
        return x == failing && attempt <= hangs ? Hang("sleep") : x * x;
    }

    /// <summary>Item <paramref name="failing"/> throws <see cref="ArgumentException"/> on every try.</summary>
    public static int SquareRejecting(string folder, int failing, int x)
    {
        var attempt = CountTry(folder, x);
        return x == failing ? throw new ArgumentException($"item {x} rejected on try {attempt}", nameof(x)) : x * x;
    }

    /// <summary>Item <paramref name="failing"/> throws on its first try and blocks on the next (<see cref="MarkThenBlock"/>).</summary>
    public static int SquareFailingThenBlocking(string folder, string marker, int failing, int x)
    {
        var attempt = CountTry(folder, x);
        if (x != failing)
        {
            return x * x;
        }
        return attempt == 1 ? throw new InvalidOperationException($"item {x} failed on try 1") : MarkThenBlock(marker);
    }

    /// <summary>Item 1 creates <paramref name="marker"/>; item 0 waits for it (30 s at most): they finish only if they run at the same time.</summary>
    public static int NeedEachOther(int item, string marker)
    {
        if (item == 1)
        {
            File.Create(marker).Dispose();
            return Environment.ProcessId;
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(marker))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"item 1 never ran beside item 0 (no {marker})");
            }
            Thread.Sleep(5);
        }
        return Environment.ProcessId;
    }
}
