using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.TestKit.Xunit2;

namespace ActorParallel.Tests.Driver.SharedState;

/// <summary>The shared-state server's locks, without processes: each requester is a probe.</summary>
public sealed class LockTableTests : TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private readonly LockTable _locks = new();

    [Fact]
    public async Task Acquire_FreeLock_GrantsAtOnce()
    {
        var client = CreateTestProbe();

        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), client.Ref);

        await client.ExpectMsgAsync(new LockGranted("l", 1));
    }

    [Fact]
    public async Task Release_HeldLockWithWaiters_GrantsToFirstWaiterOnly()
    {
        var owner = CreateTestProbe();
        var second = CreateTestProbe();
        var third = CreateTestProbe();
        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        await owner.ExpectMsgAsync(new LockGranted("l", 1));
        _locks.Acquire(new AcquireLock("l", "w2", 7, "a2"), second.Ref);
        _locks.Acquire(new AcquireLock("l", "w3", 9, "a3"), third.Ref);
        await second.ExpectNoMsgAsync(Quiet);

        _locks.Release(new ReleaseLock("l", "w1", 1));

        await second.ExpectMsgAsync(new LockGranted("l", 7));
        await third.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Acquire_ResentByOwner_GrantsAgainWithoutQueueing()
    {
        var owner = CreateTestProbe();
        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        await owner.ExpectMsgAsync(new LockGranted("l", 1));

        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        await owner.ExpectMsgAsync(new LockGranted("l", 1));
        _locks.Release(new ReleaseLock("l", "w1", 1));

        await owner.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Acquire_ResentByWaiter_QueuesOnceAndGrantsToLatestReplyTo()
    {
        var owner = CreateTestProbe();
        var waiterFirstTry = CreateTestProbe();
        var waiterResend = CreateTestProbe();
        var after = CreateTestProbe();
        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        _locks.Acquire(new AcquireLock("l", "w2", 2, "a2"), waiterFirstTry.Ref);
        _locks.Acquire(new AcquireLock("l", "w3", 3, "a3"), after.Ref);
        _locks.Acquire(new AcquireLock("l", "w2", 2, "a2"), waiterResend.Ref);

        _locks.Release(new ReleaseLock("l", "w1", 1));

        await waiterResend.ExpectMsgAsync(new LockGranted("l", 2));
        await waiterFirstTry.ExpectNoMsgAsync(Quiet);
        _locks.Release(new ReleaseLock("l", "w2", 2));
        await after.ExpectMsgAsync(new LockGranted("l", 3));
    }

    [Fact]
    public async Task Release_ByOtherRequest_KeepsOwner()
    {
        var owner = CreateTestProbe();
        var waiter = CreateTestProbe();
        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        _locks.Acquire(new AcquireLock("l", "w2", 2, "a2"), waiter.Ref);

        _locks.Release(new ReleaseLock("l", "w1", 99));

        await waiter.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task ReleaseAllOf_OwnerProcessGone_GrantsNextAndDropsItsWaits()
    {
        var owner = CreateTestProbe();
        var goneWaiter = CreateTestProbe();
        var waiter = CreateTestProbe();
        _locks.Acquire(new AcquireLock("a", "w1", 1, "gone"), owner.Ref);
        _locks.Acquire(new AcquireLock("b", "w2", 2, "alive"), waiter.Ref);
        _locks.Acquire(new AcquireLock("b", "w1", 3, "gone"), goneWaiter.Ref);
        _locks.Acquire(new AcquireLock("a", "w2", 4, "alive"), waiter.Ref);
        await owner.ExpectMsgAsync(new LockGranted("a", 1));
        await waiter.ExpectMsgAsync(new LockGranted("b", 2));

        _locks.ReleaseAllOf("gone");

        await waiter.ExpectMsgAsync(new LockGranted("a", 4));
        _locks.Release(new ReleaseLock("b", "w2", 2));
        await goneWaiter.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Clear_WithWaiters_ReturnsTheWaitsThatWillNeverBeGranted()
    {
        var owner = CreateTestProbe();
        var waiter = CreateTestProbe();
        _locks.Acquire(new AcquireLock("l", "w1", 1, "a1"), owner.Ref);
        _locks.Acquire(new AcquireLock("l", "w2", 2, "a2"), waiter.Ref);

        var waiting = _locks.Clear();

        Assert.Equal([("l", waiter.Ref)], waiting);
        _locks.Release(new ReleaseLock("l", "w1", 1));
        await waiter.ExpectNoMsgAsync(Quiet);
    }
}
