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
        var signals = Enumerable.Range(0, 5).Select(w => ScratchFile($"reached-{w}")).ToArray();
        var victims = Enumerable.Range(0, 5).OrderBy(_ => random.Next()).Take(3).ToList();
        // Each victim says when it has a random number of its 10,000 appends acknowledged, and is
        // killed then (a writer over the direct link is too fast for a kill after a timed delay).
        var signalAfter = Enumerable.Range(0, 5).Select(w => victims.Contains(w) ? random.Next(100, 6_000) : int.MaxValue).ToArray();
        var writers = Enumerable.Range(0, 5).Select(w => Create(SharedTargets.AppendAcknowledgedLogged, list, w * 10_000, 10_000, logs[w], signalAfter[w], signals[w])).ToList();

        await Task.WhenAll(writers.Select(p => p.StartAsync()));
        await Task.WhenAll(victims.Select(async victim =>
        {
            await WaitForFile(signals[victim]);
            writers[victim].Kill();
        }));
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

    /// <summary>The lines a killed writer finished writing (its last one may be cut).</summary>
    private static IEnumerable<string> CompleteLines(string path)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        return lines[..^1].Where(l => l.Length > 0);
    }
}
