using System.Diagnostics;
using System.Globalization;

namespace ActorParallel.Benchmarks;

/// <summary>
/// The memory an idle pool worker holds: a pool of N runs one map, sits idle for two seconds, and
/// each worker's VmRSS (and its anonymous part) is read from /proc. CPython's spawn workers are
/// measured the same way by a small script, for the side-by-side table.
/// </summary>
internal static class IdleWorkerMemory
{
    public const string Name = "idle_worker_rss";

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    public static async Task<Row> MeasureOursAsync(int processes)
    {
        await using var pool = new Pool(processes);
        await pool.MapAsync(Workloads.Square, Enumerable.Range(0, processes * 4), chunkSize: 1);
        await Task.Delay(Idle);
        var pids = await pool.GetWorkerPidsAsync();
        return RowFor("actorparallel", pids.Select(Read).ToList());
    }

    public static Row? MeasureCPython(int processes)
    {
        var script = Path.Combine(Path.GetTempPath(), $"actorparallel-idle-rss-{Environment.ProcessId}.py");
        File.WriteAllText(script, $$"""
            import multiprocessing as mp, sys, time

            def square(x):
                return x * x

            if __name__ == "__main__":
                ctx = mp.get_context("spawn")
                with ctx.Pool({{processes}}) as pool:
                    pool.map(square, range({{processes * 4}}), chunksize=1)
                    time.sleep({{Idle.TotalSeconds.ToString(CultureInfo.InvariantCulture)}})
                    print(sys.version.split()[0], *[child.pid for child in mp.active_children()], flush=True)
                    sys.stdin.readline()
            """);
        try
        {
            var startInfo = new ProcessStartInfo("python3", [script]) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            using var python = Process.Start(startInfo)!;
            var line = python.StandardOutput.ReadLine();
            if (line is null)
            {
                return null;
            }
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var samples = fields.Skip(1).Select(int.Parse).Select(Read).ToList();
            python.StandardInput.WriteLine();
            python.WaitForExit();
            var row = RowFor("cpython-multiprocessing", samples);
            row.Json["python"] = fields[0];
            return row;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static Row RowFor(string peer, List<(double RssMb, double AnonMb)> samples)
    {
        var row = Row.Of(Name, samples.Count, TimeSpan.Zero,
            ("rss_mb", Math.Round(samples.Max(s => s.RssMb), 1)),
            ("rss_anon_mb", Math.Round(samples.Max(s => s.AnonMb), 1)));
        row.Json["peer"] = peer;
        if (peer != "actorparallel")
        {
            row.Json.Remove("dotnet");
        }
        return row with { Peer = peer };
    }

    /// <summary>VmRSS and RssAnon of a process, in MB.</summary>
    private static (double RssMb, double AnonMb) Read(int pid)
    {
        double rss = 0, anon = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024.0;
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = Kilobytes(line) / 1024.0;
            }
        }
        return (rss, anon);
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
