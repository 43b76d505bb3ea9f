using ActorParallel.Workers;

namespace ActorParallel.Tests.Worker.SharedState;

/// <summary>A process's count of items got from a queue minus its TaskDone calls, without processes.</summary>
public sealed class TaskAccountTests
{
    [Fact]
    public void Done_MoreThanGot_ThrowsNamingTheQueue_AndTheCountStaysAtZero()
    {
        var account = new TaskAccount("jobs");
        account.Got();
        account.Done();

        var error = Assert.Throws<InvalidOperationException>(account.Done);

        Assert.Equal("Joinable queue 'jobs': TaskDone() called more times than items this process got from it (Python's task_done() raises ValueError).", error.Message);
        account.Got();
        account.Done();
    }

    [Fact]
    public async Task Done_FromManyThreadsAtOnce_ExactlyAsManySucceedAsItemsWereGot()
    {
        const int Got = 10_000, Calls = 12_000;
        var account = new TaskAccount("jobs");
        for (var i = 0; i < Got; i++)
        {
            account.Got();
        }
        var succeeded = 0;
        var refused = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < Calls / 8; i++)
            {
                try
                {
                    account.Done();
                    Interlocked.Increment(ref succeeded);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((Got, Calls - Got), (succeeded, refused));
    }
}
