
namespace ActorParallel.Samples;

/// <summary>Seed example 4: <c>Pool(processes=4).map(square, range(10))</c>.</summary>
internal static class PoolMapSample
{
    public static async Task RunAsync()
    {
        await using var pool = new Pool(processes: 4);
        var results = await pool.MapAsync(Square, Enumerable.Range(0, 10));
        Console.WriteLine($"[{string.Join(", ", results)}]");
    }

    private static int Square(int num) => num * num;
}
