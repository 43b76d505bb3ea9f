using System.Collections.Concurrent;
using ActorParallel.Protocol;
using ActorParallel.Serialization;
using ActorParallel.Workers;
using Akka.Actor;

namespace ActorParallel.Driver;

/// <summary>
/// A pool's individually submitted <c>ApplyAsync</c> calls as one long-lived map whose chunks fail
/// alone: each call is a chunk of one item (its encoded function), so many concurrent calls share the
/// router's dispatch - batched per worker, windowed, results flushed together - instead of each being
/// a map of its own. Started with the pool's first such call; its input ends when the pool is closed,
/// and the map with the last call.
/// </summary>
internal sealed class ApplyStream
{
    private static readonly byte[] RunCalls = ValueCodec.Encode(new Func<Delegate, object?>(ApplyCalls.Run), "the apply stream's function");

    private readonly IActorRef _router;
    private readonly MapJob _job;
    private readonly ChunkRetry? _retry;
    private readonly ConcurrentDictionary<int, (Action<ChunkDone> Complete, CancellationToken Token)> _calls = new();
    private int _lastSeq = -1;
    private Exception? _ended;

    /// <param name="router">The pool's router.</param>
    /// <param name="items">The pool's deadline and retry policy, which every call of the stream has.</param>
    /// <param name="poolEnded">Cancelled when the pool's router has ended: the stream's calls fail, even if its job never reached the router.</param>
    public ApplyStream(IActorRef router, ItemSettings items, CancellationToken poolEnded)
    {
        _router = router;
        _job = new MapJob(MapJob.NextId(), RunCalls, chunkSize: 1, inputCapacity: null, ordered: false)
        {
            IsApply = true,
            IsStream = true,
            ChunksFailAlone = true,
            HasRetryPolicy = items.Retry is not null,
            ItemTimeout = items.Timeout,
            MaxValueBytes = items.MaxValueBytes,
        };
        _retry = items.Retry is { } retry ? new ChunkRetry(router, _job, retry) : null;
        router.Tell(new SubmitMap(_job));
        poolEnded.Register(static job => ((MapJob)job!).Fail(new OperationCanceledException(PoolRouter.Ended)), _job);
        _ = DeliverAsync();
    }

    /// <summary>Submits one call; its task completes with the function's result or error.</summary>
    /// <exception cref="ObjectDisposedException">The pool was closed meanwhile.</exception>
    public Task<TOut> Submit<TOut>(Func<TOut> function, CancellationToken cancellationToken)
    {
        var call = ValueCodec.EncodeAsArrayOfOne(function, "the apply call's function");
        if (call.Size > _job.MaxValueBytes)
        {
            throw new MessageTooLargeException(
                $"The apply call (its function and what it captures) encodes to {call.Size:N0} bytes, over the pool's cap of {_job.MaxValueBytes:N0} bytes ({nameof(PoolOptions)}.{nameof(PoolOptions.MaxValueBytes)}).");
        }
        var seq = Interlocked.Increment(ref _lastSeq);
        var result = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        var span = Instruments.StartDetached(Instruments.ApplySpan);
        if (span is not null)
        {
            // A call given up ends its span when its task does; one that finishes, before its caller can see it.
            result.Task.ContinueWith(
                _ => Instruments.StopDetached(span, new OperationCanceledException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnCanceled | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        _calls[seq] = (done =>
        {
            Instruments.StopDetached(span, done.Error);
            Complete(result, done);
        }, cancellationToken);
        if (!_job.Input.Writer.TryWrite(new PendingChunk(seq, 0, 1, call) { IsApplyCall = true, TraceParent = span?.Id }))
        {
            Instruments.StopDetached(span);
            _calls.TryRemove(seq, out _);
            throw Volatile.Read(ref _ended) ?? new ObjectDisposedException(nameof(Pool), "The pool is closed: it takes no new work.");
        }
        _job.WakeRouterIfStarved(_router);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => Cancel(seq, result, cancellationToken));
            result.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return result.Task;
    }

    /// <summary>
    /// Past half the sequence numbers a map has: the pool starts a fresh stream for later calls (at
    /// 100k calls a second a stream lasts about three hours), and this one ends with its last call.
    /// </summary>
    public bool Worn => Volatile.Read(ref _lastSeq) > int.MaxValue / 2;

    /// <summary>No more calls: the stream's map ends once the calls submitted have.</summary>
    public void Complete()
    {
        _job.Input.Writer.TryComplete();
        _router.Tell(new MapInputReady(_job.Id));
    }

    private void Cancel<TOut>(int seq, TaskCompletionSource<TOut> result, CancellationToken cancellationToken)
    {
        if (_calls.TryRemove(seq, out _))
        {
            result.TrySetCanceled(cancellationToken);
            _router.Tell(new CancelChunk(_job.Id, seq));
        }
    }

    private static void Complete<TOut>(TaskCompletionSource<TOut> result, ChunkDone done)
    {
        if (done.Error is not null)
        {
            result.TrySetException(done.Error);
            return;
        }
        try
        {
            result.TrySetResult((TOut)ChunkCodec.DecodeItems<object?>(done.Segments[0].Items)[0]!);
        }
        catch (Exception exception)
        {
            result.TrySetException(exception);
        }
    }

    private async Task DeliverAsync()
    {
        var reader = _job.Output.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var done))
                {
                    if (done.Retryable is not null && _retry is not null && _calls.TryGetValue(done.Seq, out var retried))
                    {
                        // Still the call's while it runs again: cancelling it cancels the re-run.
                        _ = RetryAsync(done, retried.Token);
                    }
                    else if (_calls.TryRemove(done.Seq, out var call))
                    {
                        call.Complete(done);
                    }
                }
            }
        }
        catch (Exception error)
        {
            // The pool was terminated or broke: every call still waiting, and every later one, gets its reason.
            Volatile.Write(ref _ended, error);
            _job.Input.Writer.TryComplete();
            foreach (var seq in _calls.Keys)
            {
                if (_calls.TryRemove(seq, out var call))
                {
                    call.Complete(new ChunkDone(seq, 0, 1, [], error));
                }
            }
        }
    }

    /// <summary>Runs a failed call again as the pool's retry policy decides, then settles it with the outcome.</summary>
    private async Task RetryAsync(ChunkDone failed, CancellationToken cancellationToken)
    {
        ChunkDone outcome;
        try
        {
            outcome = await _retry!.RunAsync(failed, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The call was cancelled meanwhile, and settled by that.
            return;
        }
        if (_calls.TryRemove(failed.Seq, out var call))
        {
            call.Complete(outcome);
        }
    }
}
