using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace ActorParallel.Benchmarks;

/// <summary>
/// The seed tutorial's examples as whole programs, start to exit, each beside the same script under
/// CPython (its default start method): what a person porting one of them sees first. Each run is a
/// fresh process tree, measured by this program in <c>--measure</c> mode, which starts it, waits for
/// it and for every process it left behind (as a child subreaper), and reports the wall time to the
/// program's exit, the CPU time of the whole tree (user + system) and the largest resident set of any
/// one process in it. One warm-up run each (the OS's file cache), then runs alternate ours / CPython's.
/// </summary>
internal static class WholePrograms
{
    private const string SeedArgument = "--seed-program";
    private const string MeasureArgument = "--measure";
    private const int Runs = 5;

    /// <summary>Row name, ours (this program in seed-program mode), CPython's script.</summary>
    private static readonly (string Name, string Script)[] Programs =
    [
        // Seed examples 1 and 2: five processes print their number; the parent starts them all, then joins them all.
        ("program_processes", """
            import multiprocessing
            def worker(num):
                print(f'Worker: {num}')
            if __name__ == '__main__':
                jobs = []
                for i in range(5):
                    p = multiprocessing.Process(target=worker, args=(i,))
                    jobs.append(p)
                    p.start()
                for p in jobs:
                    p.join()
            """),
        // Seed example 3: five processes append to a Manager list.
        ("program_manager_list", """
            import multiprocessing
            def worker(shared_list, num):
                shared_list.append(num)
            if __name__ == '__main__':
                manager = multiprocessing.Manager()
                shared_list = manager.list()
                jobs = []
                for i in range(5):
                    p = multiprocessing.Process(target=worker, args=(shared_list, i))
                    jobs.append(p)
                    p.start()
                for p in jobs:
                    p.join()
                print(shared_list)
            """),
        // Seed example 4: Pool(processes=4).map(square, range(10)).
        ("program_pool_map", """
            import multiprocessing
            def worker(num):
                return num * num
            if __name__ == '__main__':
                with multiprocessing.Pool(processes=4) as pool:
                    results = pool.map(worker, range(10))
                print(results)
            """),
    ];

    public static IReadOnlyList<string> Names => [.. Programs.Select(p => p.Name)];

    /// <summary>Measures one program, ours and (with <paramref name="compare"/>) CPython's, alternating.</summary>
    public static (Row Ours, Row? Theirs) Measure(string name, bool compare)
    {
        var script = Programs.Single(p => p.Name == name).Script;
        var scriptPath = Path.Combine(Path.GetTempPath(), $"actorparallel-{name}-{Environment.ProcessId}.py");
        File.WriteAllText(scriptPath, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        try
        {
            string[] ours = [.. SelfCommand(), SeedArgument, name];
            string[] theirs = ["python3", scriptPath];
            RunMeasured(ours);
            if (compare)
            {
                RunMeasured(theirs);
            }
            var oursRuns = new List<Sample>();
            var theirRuns = new List<Sample>();
            for (var i = 0; i < Runs; i++)
            {
                oursRuns.Add(RunMeasured(ours));
                if (compare)
                {
                    theirRuns.Add(RunMeasured(theirs));
                }
            }
            var oursRow = RowOf(name, "actorparallel", oursRuns);
            if (!compare)
            {
                return (oursRow, null);
            }
            var theirsRow = RowOf(name, "cpython-multiprocessing", theirRuns);
            theirsRow.Json.Remove("dotnet");
            theirsRow.Json["python"] = PythonVersion();
            return (oursRow, theirsRow);
        }
        finally
        {
            File.Delete(scriptPath);
        }
    }

    /// <summary>Seed-program mode: runs the named seed example as its whole program; <see langword="null"/> when not asked.</summary>
    public static async Task<int?> RunSeedProgramIfAskedAsync(string[] args)
    {
        if (args is not [SeedArgument, var name])
        {
            return null;
        }
        switch (name)
        {
            case "program_processes":
                {
                    var jobs = new List<WorkerProcess>();
                    for (var i = 0; i < 5; i++)
                    {
                        var p = new WorkerProcess(PrintNumber, i);
                        jobs.Add(p);
                        await p.StartAsync();
                    }
                    foreach (var p in jobs)
                    {
                        await p.JoinAsync();
                    }
                    return 0;
                }
            case "program_manager_list":
                {
                    await using var manager = await Manager.StartAsync();
                    var sharedList = manager.List<int>();
                    var jobs = new List<WorkerProcess>();
                    for (var i = 0; i < 5; i++)
                    {
                        var p = new WorkerProcess(AppendNumber, sharedList, i);
                        jobs.Add(p);
                        await p.StartAsync();
                    }
                    foreach (var p in jobs)
                    {
                        await p.JoinAsync();
                    }
                    Console.WriteLine($"[{string.Join(", ", await sharedList.ToListAsync())}]");
                    return 0;
                }
            case "program_pool_map":
                {
                    await using var pool = new Pool(processes: 4);
                    var results = await pool.MapAsync(Workloads.Square, Enumerable.Range(0, 10));
                    Console.WriteLine($"[{string.Join(", ", results)}]");
                    return 0;
                }
            default:
                Console.Error.WriteLine($"Unknown seed program '{name}'. Programs: {string.Join(", ", Names)}.");
                return 2;
        }
    }

    private static void PrintNumber(int num) => Console.WriteLine($"Worker: {num}");

    private static void AppendNumber(SharedList<int> sharedList, int num) => sharedList.Append(num);

    /// <summary>
    /// Measure mode: <c>--measure RESULT-FILE COMMAND ARGS...</c> runs the command as a child subreaper,
    /// waits for it and for whatever it left behind, and writes wall seconds, CPU seconds of the whole
    /// tree and the largest resident set (KiB) to the result file.
    /// </summary>
    public static int? MeasureIfAsked(string[] args)
    {
        if (args is not [MeasureArgument, var resultFile, var command, .. var rest])
        {
            return null;
        }
        _ = Native.prctl(Native.PrSetChildSubreaper, 1, 0, 0, 0);
        var startInfo = new ProcessStartInfo(command) { UseShellExecute = false };
        foreach (var argument in rest)
        {
            startInfo.ArgumentList.Add(argument);
        }
        var watch = Stopwatch.StartNew();
        using (var child = Process.Start(startInfo)!)
        {
            child.WaitForExit();
        }
        var wall = watch.Elapsed;
        // Orphans (a worker that outlived its parent) are this process's now: their CPU counts too.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var pid = Native.waitpid(-1, out _, Native.WNoHang);
            if (pid < 0)
            {
                break;
            }
            if (pid == 0)
            {
                Thread.Sleep(5);
            }
        }
        _ = Native.getrusage(Native.RusageChildren, out var usage);
        File.WriteAllText(resultFile, string.Join(' ',
            wall.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
            (usage.UserSeconds + usage.SystemSeconds).ToString("R", CultureInfo.InvariantCulture),
            usage.MaxRssKb.ToString(CultureInfo.InvariantCulture)));
        return 0;
    }

    private sealed record Sample(double WallSeconds, double CpuSeconds, double PeakRssMb);

    private static Sample RunMeasured(string[] command)
    {
        var resultFile = Path.GetTempFileName();
        try
        {
            var startInfo = new ProcessStartInfo(SelfCommand()[0]) { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var argument in SelfCommand().Skip(1).Concat([MeasureArgument, resultFile]).Concat(command))
            {
                startInfo.ArgumentList.Add(argument);
            }
            using var measurer = Process.Start(startInfo)!;
            measurer.StandardOutput.ReadToEnd();
            measurer.WaitForExit();
            var fields = File.ReadAllText(resultFile).Split(' ');
            if (measurer.ExitCode != 0 || fields.Length != 3)
            {
                throw new InvalidOperationException($"Measuring '{string.Join(' ', command)}' failed (exit code {measurer.ExitCode}).");
            }
            return new Sample(
                double.Parse(fields[0], CultureInfo.InvariantCulture),
                double.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[2], CultureInfo.InvariantCulture) / 1024.0);
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    private static Row RowOf(string name, string peer, List<Sample> runs)
    {
        var wall = runs.Select(r => r.WallSeconds).Order().ToArray();
        var cpu = runs.Select(r => r.CpuSeconds).Order().ToArray();
        var rss = runs.Select(r => r.PeakRssMb).Order().ToArray();
        var row = Row.Of(name, runs.Count, TimeSpan.FromSeconds(wall[wall.Length / 2]),
            ("runs", runs.Count),
            ("wall_min", Math.Round(wall[0], 3)),
            ("wall_max", Math.Round(wall[^1], 3)),
            ("cpu_seconds", Math.Round(cpu[cpu.Length / 2], 3)),
            ("cpu_min", Math.Round(cpu[0], 3)),
            ("cpu_max", Math.Round(cpu[^1], 3)),
            ("peak_rss_mb", Math.Round(rss[rss.Length / 2], 1)));
        row.Json["peer"] = peer;
        return row with { Peer = peer };
    }

    private static string[] SelfCommand()
    {
        var processPath = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? [processPath, typeof(WholePrograms).Assembly.Location] : [processPath];
    }

    private static string PythonVersion()
    {
        var startInfo = new ProcessStartInfo("python3", ["-c", "import sys; print(sys.version.split()[0])"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var python = Process.Start(startInfo)!;
        var version = python.StandardOutput.ReadToEnd().Trim();
        python.WaitForExit();
        return version;
    }

    private static class Native
    {
        public const int PrSetChildSubreaper = 36;
        public const int RusageChildren = -1;
        public const int WNoHang = 1;

        [DllImport("libc", SetLastError = true)]
        public static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

        [DllImport("libc", SetLastError = true)]
        public static extern int waitpid(int pid, out int status, int options);

        [DllImport("libc", SetLastError = true)]
        public static extern int getrusage(int who, out Rusage usage);
    }

    /// <summary>Linux x86-64/arm64 <c>struct rusage</c>: two timevals, then fourteen longs (maxrss first, in KiB).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSec, UserUsec, SystemSec, SystemUsec;
        public long MaxRssKb;
        private readonly long _ixrss, _idrss, _isrss, _minflt, _majflt, _nswap, _inblock, _oublock, _msgsnd, _msgrcv, _nsignals, _nvcsw, _nivcsw;

        public readonly double UserSeconds => UserSec + (UserUsec / 1e6);

        public readonly double SystemSeconds => SystemSec + (SystemUsec / 1e6);
    }

    /// <summary>How a whole-program row reads in the table.</summary>
    public static string Describe(Row row) =>
        FormattableString.Invariant($"wall {row.Seconds:0.000} s ({row.Json["wall_min"]}-{row.Json["wall_max"]}), CPU {row.Json["cpu_seconds"]} s ({row.Json["cpu_min"]}-{row.Json["cpu_max"]}), peak RSS {row.Json["peak_rss_mb"]} MB");

    /// <summary>CPython's CPU over ours (higher is better for us), as the wall ratio is.</summary>
    public static double CpuRatio(Row ours, Row theirs) => Seconds(theirs.Json["cpu_seconds"]) / Seconds(ours.Json["cpu_seconds"]);

    private static double Seconds(JsonNode? node) => node is null ? double.NaN : (double)node;
}
