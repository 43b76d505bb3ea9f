namespace ActorParallel.Samples;

/// <summary>
/// Work that will not stop, bounded: a pool of 2 runs 0..9 with a 1 s deadline per item; item 3 loops
/// forever and item 7 recurses until its stack overflows (which .NET cannot catch), the others return
/// i*i. Each item is its own call, as with pebble's <c>pool.schedule(f, args, timeout=1)</c>, so each
/// reports its own outcome; the pool kills and replaces the workers those two took.
/// </summary>
internal static class DeadlinesSample
{
    public static async Task RunAsync()
    {
        // MaxChunkLosses 1: an item that kills its worker fails at once instead of being tried on another.
        await using var pool = new Pool(new PoolOptions { Processes = 2, ItemTimeout = TimeSpan.FromSeconds(1), MaxChunkLosses = 1 });
        var calls = Enumerable.Range(0, 10).Select(i => pool.ApplyAsync(() => Work(i))).ToList();
        for (var i = 0; i < calls.Count; i++)
        {
            try
            {
                Console.WriteLine($"{i} -> {await calls[i]}");
            }
            catch (ItemTimeoutException timedOut)
            {
                Console.WriteLine($"{i} -> timed out after {timedOut.Timeout.TotalSeconds:0.0} s");
            }
            catch (WorkerLostException lost)
            {
                Console.WriteLine($"{i} -> worker died: {(lost.Cause?.Kind == WorkerExitKind.StackOverflow ? "stack overflow" : lost.Cause?.Message)}");
            }
        }
        Console.WriteLine($"workers alive: {(await pool.WaitForWorkersAsync()).Count}");
    }

    private static int Work(int i) => i switch
    {
        3 => LoopForever(),
        7 => Recurse(0),
        _ => i * i,
    };

    private static int LoopForever()
    {
        var turns = 0L;
        while (turns >= 0)
        {
            turns = (turns + 1) & long.MaxValue;
        }
        return (int)turns;
    }

    private static int Recurse(int depth) => Recurse(depth + 1) + 1;
}
