using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// <c>TaskDone</c> called more times than items a process got (Python's <c>ValueError('task_done() called
/// too many times')</c>), counted per process: in the driver and in a worker, whose calls travel batched.
/// </summary>
public sealed class JoinableQueueTaskDoneTests : RuntimeFixture
{
    private const string TooMany = "TaskDone() called more times than items this process got from it (Python's task_done() raises ValueError).";

    [Fact]
    public async Task TaskDone_InTheDriver_MoreThanItGot_Throws_AndTheQueueCountsAreUnchanged()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>(name: "jobs");
        queue.Put(1);
        queue.Put(2);

        // Put, not got: a producer cannot finish them.
        var notGot = Assert.Throws<InvalidOperationException>(queue.TaskDone);
        Assert.Equal(1, await queue.GetAsync(Bound).WaitAsync(Bound));
        queue.TaskDone();
        var twice = Assert.Throws<InvalidOperationException>(queue.TaskDone);
        var join = queue.JoinAsync();
        var joinedEarly = join.IsCompleted;
        Assert.Equal(2, queue.GetNoWait());
        queue.TaskDone();
        await join.WaitAsync(Bound);

        Assert.Equal($"Joinable queue 'jobs': {TooMany}", notGot.Message);
        Assert.Equal(notGot.Message, twice.Message);
        Assert.False(joinedEarly, "the join returned with an item unfinished");
    }

    [Fact]
    public async Task TaskDone_InAWorker_MoreThanItGot_ReachesTheDriverAsTheWorkersException_ItsFirstCallCounted()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>(name: "work");
        queue.Put(7);
        var worker = Create(QueueTargets.TakeOneThenTaskDoneTwice, queue);

        await worker.StartAsync();
        await Joined(worker);
        await queue.JoinAsync().WaitAsync(Bound);

        Assert.Equal(1, worker.ExitCode);
        var error = Assert.IsType<InvalidOperationException>(worker.Exception);
        Assert.Equal($"Joinable queue 'work': {TooMany}", error.Message);
    }

    [Fact]
    public async Task TaskDone_AfterTheManagerIsDisposed_ThrowsObjectDisposed_NotTheCountsError()
    {
        var manager = await Manager.StartAsync(Runtime);
        var queue = manager.JoinableQueue<int>(name: "gone");
        queue.Put(1);
        Assert.Equal(1, await queue.GetAsync(Bound).WaitAsync(Bound));
        queue.TaskDone();

        await manager.DisposeAsync().AsTask().WaitAsync(Bound);

        // Nothing is left to finish here: a disposed manager is still the error that says what happened.
        Assert.Throws<ObjectDisposedException>(queue.TaskDone);
    }
}
