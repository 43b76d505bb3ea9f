using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// The channel of a worker on a direct link: each request travels to the driver as a
/// <see cref="SharedCall"/> frame on the link, the driver's end of the link passes it to the host
/// (and enforces its timeout), and the host's reply comes back as a <see cref="SharedReply"/> with
/// the same id. Replies are handled on the thread that reads the link: no thread pool, no timers.
/// </summary>
internal sealed class DirectSharedChannel(Action<object> send, int maxPayloadBytes) : ISharedChannel
{
    private readonly Dictionary<long, Action<object?, Exception?>> _pending = [];
    private long _lastId;
    private Exception? _closed;

    public string Address { get; } = $"direct:{Environment.ProcessId}:{Random.Shared.NextInt64():x}";

    public int MaxPayloadBytes => maxPayloadBytes;

    public void Ask(string hostPath, object request, TimeSpan timeout, Action<object?, Exception?> onReply)
    {
        long id;
        lock (_pending)
        {
            if (_closed is { } closed)
            {
                onReply(null, closed);
                return;
            }
            id = ++_lastId;
            _pending[id] = onReply;
        }
        send(new SharedCall(id, hostPath, request, timeout));
    }

    /// <summary>A reply from the driver: answers the request with its id.</summary>
    public void Complete(SharedReply reply)
    {
        Action<object?, Exception?>? onReply;
        lock (_pending)
        {
            _pending.Remove(reply.Id, out onReply);
        }
        if (reply.Error is not { } error)
        {
            onReply?.Invoke(reply.Reply, null);
        }
        else
        {
            onReply?.Invoke(null, reply.TimedOut ? new TimeoutException(error) : new InvalidOperationException(error));
        }
    }

    /// <summary>The link to the driver is gone: every request waiting, and every one to come, fails.</summary>
    public void Close()
    {
        var closed = new IOException("The link to the driver is closed.");
        List<Action<object?, Exception?>> waiting;
        lock (_pending)
        {
            _closed = closed;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }
        waiting.ForEach(onReply => onReply(null, closed));
    }
}
