using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Memory;

/// <summary>Shared memory refused where it cannot work: work bound for a Host node, and bad input, each named.</summary>
public sealed class SharedMemoryRefusalTests : RuntimeFixture
{
    [Fact]
    public async Task Pool_OnAHostNode_MapApplyAndItemsWithAHandle_RefusedNamingItAndTheManagerEquivalent()
    {
        var seed = await Runtime.AcceptHostNodesAsync().WaitAsync(Bound);
        using var node = new ChildProgram("ActorParallel.Host", "--seed", seed, "--workers", "1");
        await Runtime.WaitForHostNodesAsync(1, Bound);
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = ParallelRuntime.HostNodeRole });
        using var array = new SynchronizedArray<double>(10);
        using var counter = new RawValue<long>();

        var captured = await Assert.ThrowsAsync<NotShippableException>(() => MapCapturing(pool, array)).WaitAsync(Bound);
        var applied = await Assert.ThrowsAsync<NotShippableException>(() => ApplyCapturing(pool, counter)).WaitAsync(Bound);
        var asItems = await Assert.ThrowsAsync<NotShippableException>(() => pool.MapAsync(Length, new[] { array })).WaitAsync(Bound);
        var stillWorks = await pool.MapAsync((int x) => x * 2, Enumerable.Range(0, 4)).WaitAsync(Bound);

        Assert.Contains(array.ToString(), captured.Message);
        Assert.Contains("HostNodeRole 'actorparallel-host'", captured.Message);
        Assert.Contains("manager.Array<double>(length) (SharedArray<T>)", captured.Message);
        Assert.Contains(counter.ToString(), applied.Message);
        Assert.Contains("manager.Value(initial) (SharedValue<long>)", applied.Message);
        Assert.Contains(array.ToString(), asItems.Message);
        Assert.Equal([0, 2, 4, 6], stillWorks);
    }

    [Fact]
    public void Constructors_NegativeLengthOrSize_ThrowNamingTheParameter()
    {
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new RawArray<double>(-1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new SynchronizedArray<int>(-5)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => new SharedMemory(-1)).ParamName);
    }

    [Fact]
    public void AsSpan_SliceOutsideTheArray_ThrowsNamingTheSliceAndTheArraysBounds()
    {
        using var array = new SynchronizedArray<double>(1_000_000);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => array.AsSpan(999_999, 5));

        Assert.Equal("start", error.ParamName);
        Assert.Contains("Elements 999999..1000003 (5 from 999999)", error.Message);
        Assert.Contains("0..999999", error.Message);
        Assert.Contains("SynchronizedArray<double>", error.Message);
        Assert.DoesNotContain("RawArray", error.Message);
        Assert.Equal(2, array.AsSpan(999_998, 2).Length);
    }

    [Fact]
    public void Constructors_ElementTypeHoldingAnAddress_ThrowNamingTheTypeAndTheField()
    {
        var bare = Assert.Throws<NotSupportedException>(() => new RawArray<nint>(3));
        var inStruct = Assert.Throws<NotSupportedException>(() => new SynchronizedValue<WithAddress>());

        Assert.Contains("nint", bare.Message);
        Assert.Contains($"{typeof(WithAddress).FullName!.Replace('+', '.')}", inStruct.Message);
        Assert.Contains("WithAddress.Where", inStruct.Message);
    }

    [Fact]
    public void Add_OnATypeWithoutAtomics_ThrowsNamingTheTypeAndTheLock()
    {
        using var shorts = new RawValue<short>();
        using var points = new SynchronizedArray<Point>(2);

        var onValue = Assert.Throws<NotSupportedException>(() => shorts.Add(1));
        var onArray = Assert.Throws<NotSupportedException>(() => points.CompareExchange(0, new Point(1, 2), default));

        Assert.Contains("short", onValue.Message);
        Assert.Contains("int, long and double", onValue.Message);
        Assert.Contains(typeof(Point).FullName!.Replace('+', '.'), onArray.Message);
        Assert.Contains("GetLock()", onArray.Message);
    }

    [Fact]
    public void Indexer_OutsideTheArray_ThrowsIndexOutOfRangeNamingTheBounds()
    {
        using var array = new SynchronizedArray<double>(3);

        var error = Assert.Throws<IndexOutOfRangeException>(() => array[3] = 1);
        var raw = Assert.Throws<IndexOutOfRangeException>(() => array.GetObj()[-1]);
        array.Dispose();
        var disposed = Assert.Throws<ObjectDisposedException>(() => array.AsSpan());

        Assert.Contains("Index 3", error.Message);
        Assert.Contains("0 to 2", error.Message);
        // Each error names the object the caller used: the synchronized array, or the raw view it handed out.
        Assert.Contains("SynchronizedArray<double>", error.Message);
        Assert.DoesNotContain("RawArray", error.Message);
        Assert.Contains("RawArray<double>", raw.Message);
        Assert.Equal("SynchronizedArray<double>", disposed.ObjectName);
    }

    [Fact]
    public void Attach_BadNameOrAClosedBlock_ThrowsSayingWhich()
    {
        var block = new SharedMemory(16);
        var name = block.Name;
        var stale = name.Replace(name[(name.LastIndexOf('_') + 1)..], Guid.NewGuid().ToString("N"), StringComparison.Ordinal);

        var otherBlock = Assert.Throws<IOException>(() => SharedMemory.Attach(stale));
        block.Dispose();
        var closed = Assert.Throws<IOException>(() => SharedMemory.Attach(name));

        Assert.Equal("name", Assert.Throws<ArgumentException>(() => SharedMemory.Attach("psm_1234")).ParamName);
        Assert.Contains("no longer holds it", otherBlock.Message);
        Assert.Contains("has exited or closed it", closed.Message);
        Assert.Throws<ObjectDisposedException>(() => block.AsSpan());
    }

    private static Task<int[]> MapCapturing(ActorParallel.Pool pool, SynchronizedArray<double> array) =>
        pool.MapAsync((int i) => (int)array[i], Enumerable.Range(0, 4));

    private static Task<long> ApplyCapturing(ActorParallel.Pool pool, RawValue<long> counter) =>
        pool.ApplyAsync(() => counter.Add(1));

    private static int Length(SynchronizedArray<double> array) => array.Length;

    public readonly record struct Point(int X, int Y);

    public struct WithAddress
    {
        public int Count;
        public nint Where;
    }
}
