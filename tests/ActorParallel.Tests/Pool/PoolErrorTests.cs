using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Pool;

/// <summary>
/// How a function's failure reaches the caller: as the function's own exception type where it can be
/// rebuilt, as <see cref="RemoteException"/> otherwise, and never at the cost of a worker process.
/// Each test runs its own runtime (a system name of its own, so that the OS count sees only its
/// workers) and pool of two, and counts the pool's live workers from the OS.
/// </summary>
public sealed class PoolErrorTests
{
    private const int Workers = 2;
    private static readonly TimeSpan Bound = RuntimeFixture.Bound;

    [Fact]
    public async Task MapAsync_FunctionThrowsExceptionWhoseMessageThrows_FailsWithThatItemAndNoWorkerDies()
    {
        await WithPool(async pool =>
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.MapAsync(ErrorTargets.ThrowUnreadableOnThree, Enumerable.Range(0, 6), chunkSize: 1).WaitAsync(Bound));

            Assert.Equal(typeof(UnreadableMessageException).FullName, error.RemoteType);
            Assert.Equal(3, error.ItemIndex);
            Assert.Contains(typeof(UnreadableMessageException).FullName!, error.RemoteMessage);
            Assert.Contains("could not be read", error.RemoteMessage);
            Assert.Contains(nameof(ErrorTargets.ThrowUnreadableOnThree), error.RemoteStackTrace);
        });
    }

    [Fact]
    public async Task ApplyAsync_FunctionThrowsInvalidOperation_CaughtAsInvalidOperationExceptionWithRemoteStack()
    {
        await WithPool(async pool =>
        {
            InvalidOperationException? caught = null;
            try
            {
                await pool.ApplyAsync<int>(() => throw new InvalidOperationException("not now")).WaitAsync(Bound);
            }
            catch (InvalidOperationException exception)
            {
                caught = exception;
            }

            Assert.NotNull(caught);
            Assert.Equal("not now", caught.Message);
            var remote = Assert.IsType<RemoteException>(caught.InnerException);
            Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
            Assert.Contains(nameof(PoolErrorTests), remote.RemoteStackTrace);
            Assert.StartsWith("The apply call failed with", remote.Message);
            Assert.DoesNotContain("of the map", remote.Message);
        });
    }

    [Fact]
    public async Task MapAsync_UserExceptionWithMessageAndInnerConstructor_RebuiltAsItsTypeWithItemIndex()
    {
        await WithPool(async pool =>
        {
            var custom = await Assert.ThrowsAsync<CustomFailureException>(() => pool.MapAsync(ErrorTargets.ThrowCustomOnTwo, Enumerable.Range(0, 5), chunkSize: 2).WaitAsync(Bound));
            var argument = await Assert.ThrowsAsync<ArgumentException>(() => pool.MapAsync(ErrorTargets.ThrowArgumentOnOne, Enumerable.Range(0, 5)).WaitAsync(Bound));

            Assert.Equal("custom failure on 2", custom.Message);
            Assert.Equal(2, custom.Data[RemoteException.ItemIndexKey]);
            Assert.Equal(2, Assert.IsType<RemoteException>(custom.InnerException).ItemIndex);
            Assert.Equal(new ArgumentException("one is not an argument", "x").Message, argument.Message);
            Assert.Equal(typeof(ArgumentException), argument.GetType());
        });
    }

    [Fact]
    public async Task MapAsync_UserExceptionWithoutMessageAndInnerConstructor_ArrivesAsRemoteException()
    {
        await WithPool(async pool =>
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.MapAsync(ErrorTargets.ThrowCodedOnTwo, Enumerable.Range(0, 5)).WaitAsync(Bound));

            Assert.Equal(typeof(CodedFailureException).FullName, error.RemoteType);
            Assert.Equal("failed with code 2", error.RemoteMessage);
            Assert.Equal(2, error.ItemIndex);
        });
    }

    [Fact]
    public async Task ApplyAsync_LambdaSharingItsClosureWithAStream_IsRefusedNamingTheStreamAndSayingWhyItTravels()
    {
        await WithPool(async pool =>
        {
            using var stream = new MemoryStream([1, 2, 3]);
            var size = 3;
            // The two lambdas capture variables of one scope: C# gives them one closure object.
            Func<long> length = () => stream.Length;

            var error = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(() => size * 2).WaitAsync(Bound));

            Assert.Contains("captured variable 'stream' of the closure of the apply call's function", error.Message);
            Assert.Contains("shares one closure object with the other lambdas of its scope", error.Message);
            Assert.DoesNotContain("DisplayClass", error.Message);
            Assert.Equal(3, length());
            Assert.Equal(6, await pool.ApplyAsync(() => ErrorTargets.ThrowCodedOnTwo(6)).WaitAsync(Bound));
        });
    }

    [Fact]
    public async Task ApplyAsync_ClosureOverChainOf100000Records_RefusedInTheCallerAndAShallowChainTravels()
    {
        await WithPool(async pool =>
        {
            var error = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(LengthOf(ErrorTargets.Chain(100_000))).WaitAsync(Bound));

            Assert.Contains(typeof(Node).FullName!, error.Message);
            Assert.Contains("1,000 levels", error.Message);
            Assert.Contains("captured variable 'chain'", error.Message);
            Assert.Equal(500, await pool.ApplyAsync(LengthOf(ErrorTargets.Chain(500))).WaitAsync(Bound));
        });

        // A closure over the chain alone, as a user's would be.
        static Func<int> LengthOf(Node? chain) => () => ErrorTargets.Length(chain);
    }

    [Fact]
    public async Task ApplyAsync_ResultIsChainOf100000Records_FailsWithTheCallsErrorAndNoWorkerDies()
    {
        await WithPool(async pool =>
        {
            // Rebuilt as the refusal it was in the worker, naming the call; the remote one inside.
            var refused = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(() => ErrorTargets.Chain(100_000)).WaitAsync(Bound));
            Assert.StartsWith("The apply call: cannot ship", refused.Message);
            var error = Assert.IsType<RemoteException>(refused.InnerException);

            Assert.Equal(typeof(NotShippableException).FullName, error.RemoteType);
            Assert.Contains(typeof(Node).FullName!, error.RemoteMessage);
            Assert.Contains("1,000 levels", error.RemoteMessage);
        });
    }

    [Fact]
    public async Task MapAsync_OneResultOfAChunkCannotTravel_TheErrorNamesThatItem()
    {
        await WithPool(async pool =>
        {
            var refused = await Assert.ThrowsAsync<NotShippableException>(
                () => pool.MapAsync(static x => x == 5 ? new Serialization.ValueCodecTests.Tally(x) : (object)x, Enumerable.Range(0, 8), chunkSize: 4).WaitAsync(Bound));

            Assert.StartsWith("Item 5 of the map: cannot ship the result of type ActorParallel.Tests.Serialization.ValueCodecTests.Tally: it keeps state in the non-public field '_count'", refused.Message);
            Assert.Equal(5, Assert.IsType<RemoteException>(refused.InnerException).ItemIndex);
        });
    }

    [Fact]
    public async Task MapAsync_ResultIsALazyQuery_RefusedSayingSoAndWhatToShipInstead()
    {
        await WithPool(async pool =>
        {
            var refused = await Assert.ThrowsAsync<NotShippableException>(
                () => pool.MapAsync(static (int n) => Enumerable.Range(0, n).Select(x => x * 2), [1, 2]).WaitAsync(Bound));

            Assert.Matches("^Item [01] of the map: cannot ship the result of type .+ to another process: it is a lazy query", refused.Message);
            Assert.Contains("ship .ToList() or .ToArray() of it", refused.Message);
        });
    }

    [Fact]
    public async Task MapAsync_ResultCannotTravel_ErrorNamesTheItemAndSaysItIsTheResult()
    {
        await WithPool(async pool =>
        {
            var refused = await Assert.ThrowsAsync<NotShippableException>(() => pool.MapAsync(x => new MemoryStream(x), [1, 2]).WaitAsync(Bound));
            Assert.Matches("^Item [01] of the map: cannot ship the result of type MemoryStream to another process", refused.Message);
            var error = Assert.IsType<RemoteException>(refused.InnerException);

            Assert.Equal(typeof(NotShippableException).FullName, error.RemoteType);
            Assert.Contains("of type MemoryStream", error.RemoteMessage);
            Assert.DoesNotContain("to a worker process", error.RemoteMessage);
        });
    }

    [Fact]
    public async Task ApplyAsync_ClosureOverRecordHoldingAStream_RefusedNamingThePropertyAndItsType()
    {
        await WithPool(async pool =>
        {
            using var stream = new MemoryStream();

            var error = await Assert.ThrowsAsync<NotShippableException>(() => pool.ApplyAsync(NameOf(new StreamBox("box", stream))).WaitAsync(Bound));

            Assert.Contains(typeof(StreamBox).FullName!, error.Message);
            Assert.Contains("property 'Content'", error.Message);
            Assert.Contains("is of type Stream, which cannot travel", error.Message);
            Assert.DoesNotContain("Timeouts", error.Message);
        });

        static Func<string> NameOf(StreamBox box) => () => box.Name;
    }

    [Fact]
    public async Task ApplyAsync_ReturnsADelegate_ItTravelsByReference()
    {
        await WithPool(async pool =>
        {
            var addFortyTwo = await pool.ApplyAsync<Func<int, int>>(() => x => x + 42).WaitAsync(Bound);
            var adders = await pool.MapAsync(n => new Func<int, int>(x => x + n), [1, 2, 3]).WaitAsync(Bound);

            Assert.Equal(43, addFortyTwo(1));
            Assert.Equal([11, 12, 13], adders.Select(add => add(10)));
        });
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> on a pool of two started workers; then the pool must still
    /// map, on the same two processes (none died and was replaced), and after dispose none is left.
    /// </summary>
    private static async Task WithPool(Func<ActorParallel.Pool, Task> scenario)
    {
        var name = $"pool-errors-{Guid.NewGuid():N}";
        var runtime = ParallelRuntime.Create(new ParallelRuntimeOptions { WorkerStart = WorkerStart.Host, SystemName = name });
        IReadOnlyList<int> started = [];
        try
        {
            var pool = runtime.CreatePool(new PoolOptions { Processes = Workers });
            started = await pool.WaitForWorkersAsync().WaitAsync(Bound);
            Assert.Equal(Workers, started.Count);

            await scenario(pool);

            Assert.Equal(new[] { 0, 1, 4 }, await pool.MapAsync(PoolTargets.Square, [0, 1, 2]).WaitAsync(Bound));
            Assert.Equal(started, await pool.GetWorkerPidsAsync().WaitAsync(Bound));
            Assert.Equal(started.Order(), OsProcesses.WorkersOfSystem(name).Order());
            await pool.DisposeAsync().AsTask().WaitAsync(Bound);
            Assert.True(await OsProcesses.AllGoneWithin(started, Bound), "The pool's workers were still alive after dispose.");
            Assert.Empty(OsProcesses.WorkersOfSystem(name));
        }
        finally
        {
            await runtime.DisposeAsync().AsTask().WaitAsync(Bound);
            foreach (var pid in OsProcesses.WorkersOfSystem(name).Concat(started))
            {
                OsProcesses.KillQuietly(pid);
            }
        }
    }
}
