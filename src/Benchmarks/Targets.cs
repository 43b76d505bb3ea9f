namespace ActorParallel.Benchmarks;

/// <summary>The ratio to CPython each workload must reach (the benchmarks issue's table), where one is set as a ratio.</summary>
internal static class Targets
{
    private static readonly Dictionary<string, double> Ratios = new()
    {
        ["pool_startup"] = 1,
        ["pool_map"] = 2,
        ["pool_map_chunksize1"] = 3,
        ["pool_imap_stream"] = 2,
        ["apply_async"] = 3,
        ["process_lifecycle"] = 1,
        ["manager_list_parent"] = 10,
        ["manager_list_workers"] = 3,
        ["shared_value_increments"] = 1,
        ["shared_array_fill"] = 10,
        ["bytes_to_workers"] = 3,
        ["bytes_from_workers"] = 3,
        ["large_item"] = 2,
        ["queue_throughput"] = 3,
        ["pipe_roundtrip"] = 2,
    };

    /// <summary>The target ratio, or <see langword="null"/> where the target is not a ratio (cpu_speedup's is an absolute speedup of 1.9).</summary>
    public static double? For(string workload) => Ratios.TryGetValue(workload, out var ratio) ? ratio : null;
}
