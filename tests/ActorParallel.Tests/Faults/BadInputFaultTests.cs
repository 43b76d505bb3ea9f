using System.Net.Sockets;
using ActorParallel.Tests.Support;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// Bad input through the public API, one case after another against one pool: each must fail with
/// the typed error that names the problem, and the pool (and the driver) must still work after it.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultsCollection.Name)]
public sealed class BadInputFaultTests(ITestOutputHelper output) : RuntimeFixture
{
    [Fact]
    public async Task BadInput_EachCaseGetsItsTypedError_AndThePoolStaysUsable()
    {
        var tally = new Tally(output, "bad input");
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2, MaxValueBytes = 1_000_000 });
        var stream = new MemoryStream();
        var huge = new string('h', 3_000_000);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var cases = new (string Name, Type Expected, Func<Task> Act)[]
        {
            ("a pool of 0 processes", typeof(ArgumentException), () => Task.FromResult(Runtime.CreatePool(new PoolOptions { Processes = 0 }))),
            ("a pool of -3 processes", typeof(ArgumentException), () => Task.FromResult(Runtime.CreatePool(new PoolOptions { Processes = -3 }))),
            ("a chunk size of 0", typeof(ArgumentOutOfRangeException), () => pool.MapAsync(PoolTargets.Square, [1, 2], chunkSize: 0)),
            ("a null function", typeof(ArgumentNullException), () => pool.MapAsync<int, int>((Func<int, int>)null!, [1, 2])),
            ("null items", typeof(ArgumentNullException), () => pool.MapAsync(PoolTargets.Square, (IEnumerable<int>)null!)),
            ("a token cancelled before the map starts", typeof(OperationCanceledException), () => pool.MapAsync(PoolTargets.Square, [1, 2], cancellationToken: cancelled.Token)),
            ("a function capturing a stream", typeof(NotShippableException), () => pool.MapAsync((int x) => x + (int)stream.Length, [1, 2])),
            ("items that cannot be serialized", typeof(NotShippableException), () => pool.MapAsync((MemoryStream s) => s.Length, [stream])),
            ("results that cannot be serialized", typeof(NotShippableException), () => pool.MapAsync(x => new MemoryStream(x), [1, 2])),
            ("a cap on values of 0 bytes", typeof(ArgumentException), () => Task.FromResult(Runtime.CreatePool(new PoolOptions { MaxValueBytes = 0 }))),
            ("an item over the pool's cap on values", typeof(MessageTooLargeException), () => pool.MapAsync(PoolTargets.Length, ["small", huge])),
            ("an apply call capturing a value over the cap", typeof(MessageTooLargeException), () => pool.ApplyAsync(Pool.PoolLargeValueTests.LengthOf(new byte[2_000_000]))),
            ("a result over the pool's cap on values", typeof(MessageTooLargeException), () => pool.MapAsync(PoolTargets.Repeat, [1, 3_000_000])),
            ("a process target given arguments of the wrong type", typeof(ArgumentException), () => Task.FromResult(Runtime.CreateProcess(TestTargets.WriteSum, "path", "not a number", 1L))),
            ("a process started twice", typeof(InvalidOperationException), StartTwice),
            ("garbage bytes on the driver's remoting port", typeof(void), () => SendToDriverPort(new byte[4096].Select((_, i) => (byte)(i * 31)).ToArray())),
            ("an HTTP request on the driver's remoting port", typeof(void), () => SendToDriverPort("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray())),
        };
        foreach (var (name, expected, act) in cases)
        {
            tally.Increment("cases");
            var error = await Record.ExceptionAsync(() => act().WaitAsync(Bound));
            var asExpected = expected == typeof(void) ? error is null : error is not null && expected.IsInstanceOfType(error);
            tally.Increment(asExpected ? "typed error as expected" : "unexpected outcome");
            tally.Note($"{name}: {(error is null ? "no error" : $"{error.GetType().Name}: {FirstLine(error.Message)}")}");
            var usable = await pool.MapAsync(PoolTargets.Square, [0, 1, 2, 3]).WaitAsync(Bound);
            tally.Increment(usable.SequenceEqual([0, 1, 4, 9]) ? "pool usable after" : "pool broken after");
        }

        await pool.DisposeAsync();
        var afterDispose = await Record.ExceptionAsync(() => pool.MapAsync(PoolTargets.Square, [1]));
        var secondDispose = await Record.ExceptionAsync(() => pool.DisposeAsync().AsTask());
        tally["use after dispose: ObjectDisposedException"] = afterDispose is ObjectDisposedException ? 1 : 0;
        tally["dispose twice: no error"] = secondDispose is null ? 1 : 0;
        tally.Report();

        Assert.Equal(cases.Length, tally["typed error as expected"]);
        Assert.Equal(cases.Length, tally["pool usable after"]);
        Assert.IsType<ObjectDisposedException>(afterDispose);
        Assert.Null(secondDispose);
    }

    [Fact]
    public async Task Map_AnItemThatThrowsWhenRead_FailsNamingTheItemAndWhy_TheItemsBeforeItAreNotLost()
    {
        await using var pool = Runtime.CreatePool(new PoolOptions { Processes = 2 });
        var items = Enumerable.Range(0, 6).Select(value => new ReadFails(value, 0)).ToArray();
        var results = new List<int>();

        var error = await Assert.ThrowsAsync<NotShippableException>(async () =>
        {
            await foreach (var value in pool.IMap(ReadFails.ValueOf, items, chunkSize: 1).WithCancellation(default))
            {
                results.Add(value);
            }
        }).WaitAsync(Bound);

        Assert.StartsWith("Cannot ship item 3 of the map: reading its property 'Failing' (ActorParallel.Tests.Faults.ReadFails) threw InvalidOperationException: Collection was modified", error.Message);
        Assert.Contains("changes meanwhile must be copied first", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal([0, 1, 2], results);
        var usable = await pool.MapAsync(PoolTargets.Square, [0, 1, 2, 3]).WaitAsync(Bound);
        Assert.Equal([0, 1, 4, 9], usable);
    }

    private async Task StartTwice()
    {
        var process = Create(TestTargets.Nothing);
        await process.StartAsync();
        await Joined(process);
        await process.StartAsync();
    }

    /// <summary>Writes raw bytes to the driver's Akka.Remote port, as a stray or hostile client would.</summary>
    private async Task SendToDriverPort(byte[] bytes)
    {
        var address = ((ExtendedActorSystem)Runtime.System).Provider.DefaultAddress;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host!, address.Port!.Value);
        await client.GetStream().WriteAsync(bytes);
        await client.GetStream().FlushAsync();
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}

/// <summary>An item whose reading throws as a list that another thread changes does; item 3's does.</summary>
public sealed class ReadFails(int value, int failing)
{
    public int Value { get; } = value + failing;

    public int Failing => Value == 3 ? throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.") : 0;

    public static int ValueOf(ReadFails item) => item.Value;
}
