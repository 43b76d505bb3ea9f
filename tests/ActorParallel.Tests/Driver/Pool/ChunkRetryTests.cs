using System.Collections.Immutable;
using ActorParallel.Driver;
using ActorParallel.Protocol;
using Akka.TestKit.Xunit2;
using Polly;
using Polly.Retry;

namespace ActorParallel.Tests.Driver.Pool;

/// <summary>How a failed chunk runs again, without processes: the router is a probe, and each re-run's outcome is written by the test.</summary>
public sealed class ChunkRetryTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] Function = [1, 2, 3];
    private static readonly byte[] Items = [4, 5, 6];

    private readonly MapJob _call = new(MapJob.NextId(), Function, chunkSize: 2, inputCapacity: 4, ordered: true)
    {
        ItemTimeout = TimeSpan.FromMilliseconds(400),
        ChunksFailAlone = true,
    };

    [Fact]
    public async Task RunAsync_ReRunSucceeds_SubmitsTheSameBytesInTheChunksPlaceAndReturnsItsResults()
    {
        var retry = Retry(new RetryStrategyOptions { Delay = TimeSpan.Zero });

        var outcome = retry.RunAsync(Failed(new InvalidOperationException("first try")), CancellationToken.None);
        var job = await NextReRun();
        Assert.True(job.Input.Reader.TryRead(out var chunk));
        Assert.True(job.Input.Reader.Completion.IsCompleted);
        var results = new ChunkPayload(7, 0, 2, new byte[] { 9, 9 });
        job.Output.Writer.TryWrite(new ChunkDone(7, 14, 2, [results]));

        var done = await outcome.WaitAsync(Wait);
        Assert.Same(Function, job.Function);
        Assert.Equal(_call.ItemTimeout, job.ItemTimeout);
        Assert.True(job.ChunksFailAlone);
        Assert.Equal((7, 14, 2), (chunk.Seq, chunk.Offset, chunk.Count));
        Assert.Same(Items, chunk.Items.Bytes);
        Assert.Null(done.Error);
        Assert.Equal((7, 14, 2), (done.Seq, done.Offset, done.Count));
        Assert.Same(results, Assert.Single(done.Segments));
        // A call that succeeded in the end failed nothing.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_ReRunsKeepFailing_ReturnsTheLastErrorAfterMaxRetryAttempts()
    {
        var retry = Retry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero });

        var outcome = retry.RunAsync(Failed(new InvalidOperationException("first try")), CancellationToken.None);
        FailReRun(await NextReRun(), new InvalidOperationException("second try"), retryable: true);
        var last = new InvalidOperationException("third try");
        FailReRun(await NextReRun(), last, retryable: true);

        Assert.Same(last, (await outcome.WaitAsync(Wait)).Error);
        // Counted once as failed, by the router: the tries before were not.
        Assert.Same(last, (await ExpectMsgAsync<RetriesEnded>(Wait)).Error);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_ErrorTheStrategyDoesNotHandle_ReturnsItWithoutRunningAgain()
    {
        var retry = Retry(new RetryStrategyOptions { ShouldHandle = new PredicateBuilder().Handle<ArgumentException>(), Delay = TimeSpan.Zero });
        var failure = new InvalidOperationException("first try");

        var done = await retry.RunAsync(Failed(failure), CancellationToken.None).WaitAsync(Wait);

        Assert.Same(failure, done.Error);
        Assert.Equal((7, 14, 2), (done.Seq, done.Offset, done.Count));
        Assert.Same(failure, (await ExpectMsgAsync<RetriesEnded>(Wait)).Error);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_ReRunsWorkerDiedTooOften_ReturnsThatWithoutRetryingAgain()
    {
        var retry = Retry(new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero });
        var lost = new WorkerLostException("died", 14, 2);

        var outcome = retry.RunAsync(Failed(new InvalidOperationException("first try")), CancellationToken.None);
        FailReRun(await NextReRun(), lost, retryable: false);

        Assert.Same(lost, (await outcome.WaitAsync(Wait)).Error);
        Assert.Same(lost, (await ExpectMsgAsync<RetriesEnded>(Wait)).Error);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_PoolEndsTheReRun_ReturnsItsErrorWithoutRetryingAgain()
    {
        var retry = Retry(new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero });
        var closed = new InvalidOperationException("The pool is closed: it takes no new work.");

        var outcome = retry.RunAsync(Failed(new InvalidOperationException("first try")), CancellationToken.None);
        (await NextReRun()).Fail(closed);

        Assert.Same(closed, (await outcome.WaitAsync(Wait)).Error);
        Assert.Same(closed, (await ExpectMsgAsync<RetriesEnded>(Wait)).Error);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_CancelledWhileReRunning_CancelsTheReRunsMapAndThrows()
    {
        var retry = Retry(new RetryStrategyOptions { Delay = TimeSpan.Zero });
        using var cancel = new CancellationTokenSource();

        var outcome = retry.RunAsync(Failed(new InvalidOperationException("first try")), cancel.Token);
        var job = await NextReRun();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => outcome.WaitAsync(Wait));
        Assert.Equal(job.Id, (await ExpectMsgAsync<CancelMap>(Wait)).MapId);
    }

    private ChunkRetry Retry(RetryStrategyOptions options) => new(TestActor, _call, new ResiliencePipelineBuilder().AddRetry(options).Build());

    private static ChunkDone Failed(Exception error) =>
        new(7, 14, 2, ImmutableArray<ChunkPayload>.Empty, error) { Retryable = new PendingChunk(7, 14, 2, Items) };

    private async Task<MapJob> NextReRun() => (await ExpectMsgAsync<SubmitMap>(Wait)).Job;

    private static void FailReRun(MapJob job, Exception error, bool retryable)
    {
        job.Input.Reader.TryRead(out var chunk);
        job.Output.Writer.TryWrite(new ChunkDone(7, 14, 2, [], error) { Retryable = retryable ? chunk : null });
    }
}
