namespace ActorParallel.Samples;

/// <summary>Runs the sample named on the command line, or every sample when none is named.</summary>
internal static class SampleRunner
{
    private static readonly (string Name, string Description, Func<string[], Task> Run)[] Samples =
    [
        ("processes", "seed examples 1 and 2: start five processes, join them", _ => ProcessesSample.RunAsync()),
        ("shared-list", "seed example 3: five processes append to a Manager list", _ => SharedListSample.RunAsync()),
        ("shared-array", "Array('d', 1_000_000) in shared memory: two processes fill its halves, a pool sums its slices", _ => SharedArraySample.RunAsync()),
        ("queue", "one producer process, two consumer processes, one Manager queue", _ => QueueSample.RunAsync()),
        ("pool-map", "seed example 4: Pool(4).map(square, range(10))", _ => PoolMapSample.RunAsync()),
        ("deadlines", "a 1 s deadline per item: an endless loop and a stack overflow are bounded, the pool goes on", _ => DeadlinesSample.RunAsync()),
        ("batch", "a supervised batch job that survives a killed worker [--items N] [--delay-ms D]", BatchSample.RunAsync),
        ("telemetry", "OpenTelemetry metrics and traces of a 1,000-item map, chunk spans from the workers", _ => TelemetrySample.RunAsync()),
        ("remote-nodes", "a driver and two ActorParallel.Host nodes on this machine, mutual TLS, one pool", _ => RemoteNodesSample.RunAsync()),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: dotnet run --project src/Samples -- [sample]");
            foreach (var sample in Samples)
            {
                Console.WriteLine($"  {sample.Name,-12} {sample.Description}");
            }
            return 0;
        }
        var selected = args.Length == 0 ? Samples : Samples.Where(s => s.Name == args[0]).ToArray();
        if (selected.Length == 0)
        {
            Console.Error.WriteLine($"Unknown sample '{args[0]}'. Samples: {string.Join(", ", Samples.Select(s => s.Name))}.");
            return 2;
        }
        foreach (var sample in selected)
        {
            if (selected.Length > 1)
            {
                Console.WriteLine($"== {sample.Name}");
            }
            await sample.Run(args.Skip(1).ToArray());
        }
        return 0;
    }
}
