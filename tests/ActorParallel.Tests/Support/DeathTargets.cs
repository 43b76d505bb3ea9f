using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorParallel.Tests.Support;

/// <summary>Functions that end their worker process in the ways a process can die, for the tests of its exit cause.</summary>
public static class DeathTargets
{
    /// <summary>What a worker has leaked on purpose; it lives as long as the worker.</summary>
    private static readonly List<byte[]> s_leaked = [];

    /// <summary>Recurses until the stack overflows, which .NET cannot catch.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Recurse(int depth) => Recurse(depth + 1) + 1;

    /// <summary>A process target whose stack overflows.</summary>
    public static void Overflow() => Recurse(0);

    /// <summary>A pool function whose stack overflows on item 2.</summary>
    public static int OverflowOnTwo(int x) => x == 2 ? Recurse(0) : x;

    /// <summary>A pool function that calls <see cref="Environment.FailFast(string)"/> with "boom" on item 2.</summary>
    public static int FailFastOnTwo(int x)
    {
        if (x == 2)
        {
            Environment.FailFast("boom");
        }
        return x;
    }

    public static void FailFast(string message) => Environment.FailFast(message);

    /// <summary>A process target whose own thread throws: an unhandled exception ends the process.</summary>
    public static void ThrowOnAThread(string message)
    {
        var thread = new Thread(() => throw new InvalidOperationException(message));
        thread.Start();
        thread.Join();
    }

    public static void WriteToStderr(string text) => Console.Error.WriteLine(text);

    /// <summary>
    /// Starts a grandchild that holds this worker's stderr open for a minute (its pid written to
    /// <paramref name="pidFile"/>), says something on stderr, then ends with <see cref="Environment.FailFast(string)"/>.
    /// </summary>
    public static void FailFastLeavingAGrandchild(string pidFile, string message)
    {
        using var grandchild = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        File.WriteAllText(pidFile, grandchild.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Console.Error.WriteLine("about to fail");
        Environment.FailFast(message);
    }

    /// <summary>Keeps <paramref name="megabytes"/> MB more of this worker's memory for good (every page touched), then returns (x², pid).</summary>
    public static (int Square, int Pid) LeakThenSquare(int x, int megabytes)
    {
        var leak = GC.AllocateUninitializedArray<byte>(megabytes * 1_000_000);
        leak.AsSpan().Fill(1);
        lock (s_leaked)
        {
            s_leaked.Add(leak);
        }
        return (x * x, Environment.ProcessId);
    }

    /// <summary>
    /// Takes native memory 16 MB at a time, touching every page, until the kernel's OOM killer ends the
    /// process (as a leaking native library would); the managed heap's own limit never applies.
    /// </summary>
    public static int TakeNativeMemoryForever(int _)
    {
        const int step = 16 << 20;
        while (true)
        {
            var block = Marshal.AllocHGlobal(step);
            for (var offset = 0; offset < step; offset += 4096)
            {
                Marshal.WriteByte(block, offset, 1);
            }
        }
    }

    /// <summary>The same, as a process target.</summary>
    public static void ExhaustNativeMemory() => TakeNativeMemoryForever(0);
}
