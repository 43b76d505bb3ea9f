using ActorParallel.Tests.Support;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// The driver SIGKILLed while three shared-memory blocks are mapped by it and by its workers: within
/// 5 s nothing of them is left anywhere - no process maps them or holds their descriptor, and no file
/// names them (CPython's <c>shared_memory</c> leaves its blocks in <c>/dev/shm</c> in this situation).
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class SharedMemoryFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task Sigkill_Driver_WithThreeBlocksMappedByItAndItsWorkers_NoneLeftAnywhereAfterFiveSeconds()
    {
        using var parent = new ChildProgram("ActorParallel.Tests.Parent", "2", "shm");
        await parent.WaitForLine("ready", Bound);
        var ids = parent.Lines.Where(l => l.StartsWith("segment ", StringComparison.Ordinal)).Select(l => l["segment ".Length..]).ToList();
        var workers = parent.Lines.Where(l => l.StartsWith("worker ", StringComparison.Ordinal)).Select(l => int.Parse(l["worker ".Length..])).ToList();
        workers.ForEach(parent.Track);
        Assert.Equal(3, ids.Count);
        Assert.Equal(2, workers.Count);
        // The check below means something: before the kill, the driver and each worker map every block.
        foreach (var pid in workers.Append(parent.Pid))
        {
            var maps = File.ReadAllText($"/proc/{pid}/maps");
            Assert.All(ids, id => Assert.Contains($"actorparallel-{id}", maps));
        }
        Assert.All(ids, id => Assert.Contains(Descriptors($"/proc/{parent.Pid}"), link => link.Contains(id, StringComparison.Ordinal)));

        parent.KillHard();
        var gone = await OsProcesses.AllGoneWithin([.. workers, parent.Pid], TimeSpan.FromSeconds(5));

        var mentions = ids.SelectMany(Mentions).ToList();
        output.WriteLine($"workers and driver gone within 5 s: {gone}; mentions of the blocks left: {mentions.Count}");
        Assert.True(gone, "a worker outlived its SIGKILLed driver by more than 5 s");
        Assert.Empty(mentions);
    }

    /// <summary>Every place a block could still be: a process's mappings or descriptors, or a file in the usual shared-memory folders.</summary>
    private static IEnumerable<string> Mentions(string id)
    {
        var marker = $"actorparallel-{id}";
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string? maps = null;
            try
            {
                maps = File.ReadAllText(Path.Combine(directory, "maps"));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's: ours are readable.
            }
            if (maps?.Contains(marker, StringComparison.Ordinal) ?? false)
            {
                yield return $"{directory}/maps";
            }
            foreach (var link in Descriptors(directory).Where(l => l.Contains(marker, StringComparison.Ordinal)))
            {
                yield return $"{directory}/fd -> {link}";
            }
        }
        foreach (var folder in new[] { "/dev/shm", Path.GetTempPath() }.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFileSystemEntries(folder).Where(f => f.Contains(id, StringComparison.Ordinal)))
            {
                yield return file;
            }
        }
    }

    private static IEnumerable<string> Descriptors(string process)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")).Select(fd => new FileInfo(fd).LinkTarget ?? "").ToList();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
