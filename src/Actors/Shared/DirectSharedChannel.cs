using System.Collections.Concurrent;

namespace ActorParallel.Shared;

/// <summary>
/// The channel of a worker on a direct link: each request travels to the driver as a
/// <see cref="SharedCall"/> frame on the link, the driver's end of the link passes it to the host,
/// and the host's reply comes back as a <see cref="SharedReply"/> with the same id.
/// </summary>
internal sealed class DirectSharedChannel(Action<object> send, int maxPayloadBytes) : ISharedChannel
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<object>> _pending = new();
    private long _lastId;
    private Exception? _closed;

    public string Address { get; } = $"direct:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public int MaxPayloadBytes => maxPayloadBytes;

    public async Task<object> AskAsync(string hostPath, object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastId);
        var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            if (Volatile.Read(ref _closed) is { } closed)
            {
                throw closed;
            }
            send(new SharedCall(id, hostPath, request));
            return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"The driver's shared-state host did not answer within {timeout}.", exception);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>A reply from the driver: completes the request with its id (a reply to a request given up is dropped).</summary>
    public void Complete(SharedReply reply)
    {
        if (!_pending.TryRemove(reply.Id, out var waiting))
        {
            return;
        }
        if (reply.Error is { } error)
        {
            waiting.TrySetException(new InvalidOperationException(error));
        }
        else
        {
            waiting.TrySetResult(reply.Reply!);
        }
    }

    /// <summary>The link to the driver is gone: every request waiting, and every one to come, fails.</summary>
    public void Close()
    {
        Volatile.Write(ref _closed, new IOException("The link to the driver is closed."));
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetException(_closed!);
            }
        }
    }
}
