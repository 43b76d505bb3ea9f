using System.Diagnostics;

namespace ActorParallel.Tests.Support;

/// <summary>The death-watch helper the process tests rely on must be able to say "still alive".</summary>
public sealed class OsProcessesTests
{
    [Fact]
    public async Task AllGoneWithin_LiveProcessThenKilled_FalseThenTrue()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            Assert.False(await OsProcesses.AllGoneWithin([sleeper.Id], TimeSpan.FromMilliseconds(200)));
            Assert.True(OsProcesses.IsAlive(sleeper.Id));

            sleeper.Kill();

            Assert.True(await OsProcesses.AllGoneWithin([sleeper.Id], TimeSpan.FromSeconds(5)));
            Assert.False(OsProcesses.IsAlive(sleeper.Id));
        }
        finally
        {
            OsProcesses.KillQuietly(sleeper.Id);
        }
    }
}
