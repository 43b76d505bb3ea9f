using System.Diagnostics;
using System.Globalization;

namespace ActorParallel.Benchmarks;

/// <summary>
/// How long after an item's deadline its worker process is gone (no CPython counterpart: its Pool has
/// no deadline). Each round an ApplyAsync call spins forever past a 200 ms deadline; the spinning
/// function notes its pid and start on the monotonic clock (Stopwatch, shared by the processes of one
/// machine), and the driver watches /proc until that process has exited (gone, or a zombie).
/// </summary>
internal static class DeadlineKill
{
    public const string Name = "deadline_kill";
    private const int Rounds = 7;
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(200);

    public static async Task<Row> MeasureAsync(int processes)
    {
        var folder = Directory.CreateTempSubdirectory("actorparallel-bench-deadline-").FullName;
        try
        {
            await using var pool = new Pool(new PoolOptions { Processes = processes, ItemTimeout = Deadline });
            await pool.WaitForWorkersAsync();
            var late = new List<double>();
            var toCaller = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                var mark = Path.Combine(folder, $"{round}");
                var watch = Stopwatch.StartNew();
                try
                {
                    await pool.ApplyAsync(() => MarkThenSpin(mark));
                    throw new InvalidOperationException("deadline_kill: the endless call returned.");
                }
                catch (ItemTimeoutException)
                {
                    toCaller.Add(watch.Elapsed.TotalMilliseconds);
                }
                var parts = (await File.ReadAllTextAsync(mark)).Split(' ');
                var pid = int.Parse(parts[0], CultureInfo.InvariantCulture);
                var deadline = long.Parse(parts[1], CultureInfo.InvariantCulture) + (long)(Deadline.TotalSeconds * Stopwatch.Frequency);
                while (IsRunning(pid))
                {
                    await Task.Delay(1);
                }
                late.Add(Stopwatch.GetElapsedTime(deadline).TotalMilliseconds);
                await pool.WaitForWorkersAsync();
            }
            late.Sort();
            var median = late[late.Count / 2];
            return Row.Of(Name, Rounds, TimeSpan.FromMilliseconds(median),
                ("processes", processes),
                ("deadline_ms", Deadline.TotalMilliseconds),
                ("gone_after_deadline_ms_median", Math.Round(median, 1)),
                ("gone_after_deadline_ms_min", Math.Round(late[0], 1)),
                ("gone_after_deadline_ms_max", Math.Round(late[^1], 1)),
                ("call_failed_after_ms_median", Math.Round(toCaller.Order().ElementAt(toCaller.Count / 2), 1)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int MarkThenSpin(string mark)
    {
        File.WriteAllText(mark, FormattableString.Invariant($"{Environment.ProcessId} {Stopwatch.GetTimestamp()}"));
        var turns = 0L;
        while (turns >= 0)
        {
            turns = (turns + 1) & long.MaxValue;
        }
        return (int)turns;
    }

    /// <summary>Whether the process still runs: it has exited once /proc has no entry for it, or shows it a zombie.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
