using ActorParallel.Tests.Support;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>Writers SIGKILLed while they append: nothing acknowledged may be lost, nothing may appear twice.</summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class SharedStateFaultTests(ITestOutputHelper output) : RuntimeFixture
{
    [Fact]
    public async Task AppendAsync_WritersSigkilledAtRandom_EveryAcknowledgedAppendPresentExactlyOnce()
    {
        var tally = new Tally(output, "SIGKILL writers during 5 x 10,000 acknowledged appends");
        var random = new Random(7);
        await using var manager = await Manager.StartAsync(Runtime);
        var list = manager.List<int>();
        var logs = Enumerable.Range(0, 5).Select(w => ScratchFile($"acknowledged-{w}.txt")).ToArray();
        var writers = Enumerable.Range(0, 5).Select(w => Create(SharedTargets.AppendAcknowledgedLogged, list, w * 10_000, 10_000, logs[w])).ToList();

        await Task.WhenAll(writers.Select(p => p.StartAsync()));
        foreach (var victim in Enumerable.Range(0, 5).OrderBy(_ => random.Next()).Take(3).ToList())
        {
            // Kill a writer at a random point of its 10,000 appends: once its log of acknowledged
            // appends has reached a random length (a writer over the direct link is too fast for a timed kill).
            await WaitForFile(logs[victim]);
            await WaitForLength(logs[victim], random.Next(100, 6_000) * 5, writers[victim]);
            writers[victim].Kill();
        }
        await Task.WhenAll(writers.Select(Joined));
        var items = await list.ToListAsync().WaitAsync(Bound);
        var acknowledged = logs.SelectMany(CompleteLines).Select(int.Parse).ToList();

        tally["writers"] = writers.Count;
        tally["killed mid-write"] = writers.Count(p => p.ExitCode == -9);
        tally["appends acknowledged"] = acknowledged.Count;
        tally["elements present"] = items.Count;
        tally["duplicates"] = items.Count - items.Distinct().Count();
        tally["acknowledged but lost"] = acknowledged.Except(items).Count();
        tally.Report();

        Assert.Equal(0, tally["duplicates"]);
        Assert.Equal(0, tally["acknowledged but lost"]);
        Assert.True(tally["killed mid-write"] >= 1, "no writer was killed while writing: the case tested nothing");
        Assert.All(writers.Where(p => p.ExitCode != -9), p => Assert.Equal(0, p.ExitCode));
    }

    private static async Task WaitForLength(string path, long bytes, WorkerProcess writer)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (new FileInfo(path).Length < bytes && writer.ExitCode is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>The lines a killed writer finished writing (its last one may be cut).</summary>
    private static IEnumerable<string> CompleteLines(string path)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        return lines[..^1].Where(l => l.Length > 0);
    }
}
