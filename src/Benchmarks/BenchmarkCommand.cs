using System.Diagnostics;
using System.Globalization;

namespace ActorParallel.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project src/Benchmarks -- [--only NAME]... [--processes N] [--scale X] [--compare]</c>:
/// runs the workloads and prints one JSON line each; with <c>--compare</c> it runs CPython's
/// mp_bench.py with the same arguments, alternating workload by workload, and prints the ratios.
/// </summary>
internal static class BenchmarkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var only = new List<string>();
        var processes = 2;
        var scale = 1.0;
        var compare = false;
        string? python = null;
        string? chart = null;
        TelemetryListeners? telemetry = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--only": only.Add(args[++i]); break;
                case "--processes": processes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scale": scale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--compare": compare = true; break;
                case "--python-script": python = args[++i]; break;
                case "--chart": chart = args[++i]; break;
                case "--telemetry": telemetry ??= new TelemetryListeners(spans: true); break;
                case "--telemetry-metrics": telemetry ??= new TelemetryListeners(spans: false); break;
                case "--wire":
                    WireComparison.Run();
                    return 0;
                case "--micro":
                    return HotPaths.Run(args[(i + 1)..]);
                case "-h" or "--help":
                    Console.WriteLine("usage: dotnet run -c Release --project src/Benchmarks -- [--only NAME]... [--processes N] [--scale X] [--compare] [--chart PATH] [--python-script PATH] [--telemetry | --telemetry-metrics] | --wire | --micro [BenchmarkDotNet options]");
                    Console.WriteLine("--compare also writes the ratios as an SVG chart: --chart PATH, by default docs/benchmarks.svg in the repository.");
                    Console.WriteLine("--telemetry runs them with a listener on every ActorParallel instrument and span (what recording costs); --telemetry-metrics on the instruments only.");
                    Console.WriteLine($"workloads: {string.Join(", ", AllNames)}");
                    return 0;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'; see --help.");
                    return 2;
            }
        }
        using var listening = telemetry;
        var unknown = only.Except(AllNames).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"Unknown workload(s): {string.Join(", ", unknown)}. Workloads: {string.Join(", ", AllNames)}.");
            return 2;
        }
        var selected = AllNames.Where(n => only.Count == 0 || only.Contains(n)).ToList();
        python ??= FindPythonScript();
        if (compare && python is null)
        {
            Console.Error.WriteLine("--compare needs shared/peers/python/mp_bench.py (or --python-script PATH).");
            return 2;
        }

        var comparisons = new List<(Row Ours, Row? Theirs)>();
        foreach (var name in selected)
        {
            if (name == IdleWorkerMemory.Name)
            {
                var oursIdle = await IdleWorkerMemory.MeasureOursAsync(processes);
                Console.WriteLine(oursIdle.ToJson());
                var theirsIdle = compare ? IdleWorkerMemory.MeasureCPython(processes) : null;
                if (theirsIdle is not null)
                {
                    Console.WriteLine(theirsIdle.ToJson());
                }
                comparisons.Add((oursIdle, theirsIdle));
                continue;
            }
            if (WholePrograms.Names.Contains(name))
            {
                var (oursProgram, theirsProgram) = WholePrograms.Measure(name, compare);
                Console.WriteLine(oursProgram.ToJson());
                if (theirsProgram is not null)
                {
                    Console.WriteLine(theirsProgram.ToJson());
                }
                comparisons.Add((oursProgram, theirsProgram));
                continue;
            }
            if (name == DeadlineKill.Name)
            {
                // No CPython counterpart: its Pool has no deadline.
                var oursDeadline = await DeadlineKill.MeasureAsync(processes);
                Console.WriteLine(oursDeadline.ToJson());
                comparisons.Add((oursDeadline, null));
                continue;
            }
            if (name == NodesCpuSpeedup.Name)
            {
                // No CPython counterpart: compared with a local pool in the same run.
                var oursNodes = await NodesCpuSpeedup.MeasureAsync(processes, scale);
                Console.WriteLine(oursNodes.ToJson());
                comparisons.Add((oursNodes, null));
                continue;
            }
            if (name == NodesLargeItem.Name)
            {
                // No CPython counterpart: compared with a local worker in the same run.
                var oursLarge = await NodesLargeItem.MeasureAsync(scale);
                Console.WriteLine(oursLarge.ToJson());
                comparisons.Add((oursLarge, null));
                continue;
            }
            if (name == PoolFlow.Name)
            {
                // No CPython counterpart: compared with MapAsync in the same run.
                var oursFlow = await PoolFlow.MeasureAsync(processes, scale);
                Console.WriteLine(oursFlow.ToJson());
                comparisons.Add((oursFlow, null));
                continue;
            }
            var ours = await Workloads.RunAsync(name, processes, scale);
            Console.WriteLine(ours.ToJson());
            Row? theirs = null;
            if (compare)
            {
                theirs = RunPython(python!, name, processes, scale);
                if (theirs is not null)
                {
                    Console.WriteLine(theirs.ToJson());
                }
            }
            comparisons.Add((ours, theirs));
        }
        if (compare)
        {
            Report.Print(comparisons, processes, chart ?? DefaultChartPath());
        }
        return 0;
    }

    /// <summary>mp_bench.py's workloads, then the seed examples as whole programs (ours beside CPython's), the idle worker's memory (ours, measured beside CPython's spawn workers), how soon a worker past its deadline is gone (ours only), then cpu_speedup over Host nodes, then an Akka.Streams flow beside MapAsync.</summary>
    private static IReadOnlyList<string> AllNames => [.. Workloads.Names, .. WholePrograms.Names, IdleWorkerMemory.Name, DeadlineKill.Name, NodesCpuSpeedup.Name, NodesLargeItem.Name, PoolFlow.Name];

    private static Row? RunPython(string script, string name, int processes, double scale)
    {
        var startInfo = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { script, "--only", name, "--processes", processes.ToString(CultureInfo.InvariantCulture), "--scale", scale.ToString(CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(arg);
        }
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith('{'));
        return line is null ? null : Row.Parse(line);
    }

    private static string DefaultChartPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorParallel.sln")))
            {
                return Path.Combine(directory.FullName, "docs", "benchmarks.svg");
            }
        }
        return "benchmarks.svg";
    }

    private static string? FindPythonScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "peers", "python", "mp_bench.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
