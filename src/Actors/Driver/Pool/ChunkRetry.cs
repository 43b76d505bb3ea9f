using Akka.Actor;
using Polly;

namespace ActorParallel.Driver;

/// <summary>
/// Runs a call's failed chunks again, as its Polly retry strategy decides. Each retry of a chunk is a
/// one-chunk map of its own on the same router, with the call's function and deadline and the chunk's
/// encoded items as they were first sent: nothing is encoded again. The re-run chunk keeps its place
/// (sequence number and offset), so its errors name the item's index in the caller's input and its
/// results take the failed chunk's place.
/// </summary>
internal sealed class ChunkRetry
{
    private readonly IActorRef _router;
    private readonly MapJob _call;
    private readonly ResiliencePipeline _pipeline;

    /// <param name="router">The pool's router, which runs the re-runs.</param>
    /// <param name="call">The call whose chunks fail alone (<see cref="MapJob.ChunksFailAlone"/>): its function, deadline and kind are the re-runs'.</param>
    /// <param name="pipeline">The call's retry strategy, built once from its options when they were validated (<see cref="ItemOptions.BuildRetry"/>).</param>
    public ChunkRetry(IActorRef router, MapJob call, ResiliencePipeline pipeline)
    {
        _router = router;
        _call = call;
        _pipeline = pipeline;
    }

    /// <summary>
    /// The chunk's final outcome: its results if a re-run succeeded, else the last error (the retries
    /// ran out, the strategy did not handle the error, or the failure was final, e.g. its worker died
    /// too often). Throws only <see cref="OperationCanceledException"/>, when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="failed">The chunk's first outcome: an error, with the chunk to run again (<see cref="ChunkDone.Retryable"/>).</param>
    /// <param name="cancellationToken">The call is given up: stops waiting and cancels the re-run in flight.</param>
    public async Task<ChunkDone> RunAsync(ChunkDone failed, CancellationToken cancellationToken)
    {
        var chunk = failed.Retryable ?? throw new ArgumentException("Only a retryable failure runs again.", nameof(failed));
        var attempt = 0;
        ChunkDone outcome;
        try
        {
            // The first attempt already ran in the call's own map: it only hands Polly its failure.
            outcome = await _pipeline.ExecuteAsync(
                async token => attempt++ == 0 ? throw failed.Error! : await RunAgainAsync(chunk, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [], error);
        }
        if (outcome.Error is { } final)
        {
            // Its attempts were not counted as failures: the caller gets one, and the counters count one.
            _router.Tell(new RetriesEnded(final));
        }
        return outcome;
    }

    /// <summary>
    /// Runs the chunk once more as a map of its own. A failure the strategy may retry is thrown; a
    /// final one (its worker died too often, the pool was terminated or closed) is returned as the
    /// outcome, which no strategy retries.
    /// </summary>
    private async ValueTask<ChunkDone> RunAgainAsync(PendingChunk chunk, CancellationToken cancellationToken)
    {
        var job = new MapJob(MapJob.NextId(), _call.Function, chunk.Count, inputCapacity: 1, ordered: false)
        {
            IsApply = _call.IsApply,
            ItemTimeout = _call.ItemTimeout,
            ChunksFailAlone = true,
            TraceParent = _call.TraceParent,
            IsRetry = true,
        };
        job.Input.Writer.TryWrite(new PendingChunk(chunk.Seq, chunk.Offset, chunk.Count, chunk.Items) { IsApplyCall = chunk.IsApplyCall, TraceParent = chunk.TraceParent });
        job.Input.Writer.TryComplete();
        _router.Tell(new SubmitMap(job));
        ChunkDone? done = null;
        Exception? ended = null;
        try
        {
            if (await job.Output.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                job.Output.Reader.TryRead(out done);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _router.Tell(new CancelMap(job.Id));
            throw;
        }
        catch (Exception error)
        {
            // The pool ended the re-run as a whole (terminated, broken or closed): no retry can help.
            ended = error;
        }
        if (done is null)
        {
            return new ChunkDone(chunk.Seq, chunk.Offset, chunk.Count, [], ended ?? new InvalidOperationException($"{_call.DescribeChunk(chunk.Seq)} ended without an outcome when it ran again."));
        }
        return done.Error is not null && done.Retryable is not null ? throw done.Error : done;
    }
}
