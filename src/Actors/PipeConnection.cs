using ActorParallel.Driver;
using ActorParallel.Memory;
using ActorParallel.Serialization;
using ActorParallel.Workers;

namespace ActorParallel;

/// <summary>
/// One end of a pipe made by <see cref="Manager.Pipe"/>, as the <c>Connection</c> objects of Python's
/// <c>multiprocessing.Pipe()</c>: what one end sends, the other receives, in order. Pass an end to a
/// process target or pool function as an argument; use each end from one process at a time.
/// </summary>
/// <remarks>
/// <para>Messages are any value the wire format carries (<see cref="Send"/>, Python's <c>send(obj)</c>)
/// or raw bytes (<see cref="SendBytes"/>). Between processes of one machine they go through a ring
/// per direction in shared memory that the driver keeps (a receiver spins briefly, then sleeps on a
/// futex the sender wakes); a message larger than 64 KiB, or sent while the ring is full, goes through
/// the driver's store instead, and the receiver still takes everything in order. Either way a message
/// sent and flushed survives the death of its sender: <see cref="Send"/> never blocks, and what it
/// sent is stored before the sending process reports back to its driver. Once an end goes to a Host
/// node (another machine) the whole pipe goes through the driver's store.</para>
/// <para>End of file: once the other end is closed (<see cref="CloseAsync"/>), or the process that
/// holds it (the last that received it as an argument or used it) is gone, exited or killed, this end
/// receives what was sent before, then <see cref="RecvAsync"/> throws <see cref="EndOfStreamException"/>
/// (Python's <c>EOFError</c>); a receive waiting meanwhile wakes to it. As in Python, two processes or
/// threads must not send (or receive) on the same end at the same time.</para>
/// </remarks>
public sealed class PipeConnection : ISharedObject
{
    private readonly SharedStateNode _node;
    private readonly string _host;
    private readonly string? _sendQueue;
    private readonly string? _recvQueue;
    private IQueueClient? _sender;
    private IQueueClient? _receiver;
    private readonly RingPipeEnd? _ring;
    private readonly Func<IQueueClient> _spill;
    private readonly Func<Exception> _disposed;
    private readonly Func<int, int, int, Exception> _ended;
    private byte[]? _peeked;
    private bool _closed;

    internal PipeConnection(SharedStateNode node, string host, string name, string? sendQueue, string? recvQueue, RingPipeEnd? ring)
    {
        _node = node;
        _host = host;
        Name = name;
        _sendQueue = sendQueue;
        _recvQueue = recvQueue;
        _ring = ring;
        _spill = () => Sender;
        _disposed = Disposed;
        _ended = EndedError;
    }

    /// <summary>The end's name: its pipe's name and which end it is.</summary>
    public string Name { get; }

    /// <summary>Whether this end can send (Python's <c>writable</c>): every end of a duplex pipe, the second end of a one-way pipe.</summary>
    public bool CanSend => _sendQueue is not null;

    /// <summary>Whether this end can receive (Python's <c>readable</c>): every end of a duplex pipe, the first end of a one-way pipe.</summary>
    public bool CanReceive => _recvQueue is not null;

    private IQueueClient Sender => _sender ??= Client(_sendQueue ?? throw new InvalidOperationException($"Pipe end '{Name}' is the receiving end of a one-way pipe: it cannot send (Python's OSError)."));

    private IQueueClient Receiver => _receiver ??= Client(_recvQueue ?? throw new InvalidOperationException($"Pipe end '{Name}' is the sending end of a one-way pipe: it cannot receive (Python's OSError)."));

    /// <summary>Sends <paramref name="value"/> to the other end without waiting, as Python's <c>send(obj)</c>.</summary>
    /// <param name="value">The message: any value the wire format carries, <see langword="null"/> included.</param>
    /// <exception cref="NotShippableException">The value cannot travel to another process.</exception>
    /// <exception cref="IOException">The other end is closed, or the process that held it has exited: nothing would receive the message, which is not sent (Python's <c>BrokenPipeError</c>). Checked between processes of one machine; an end on a Host node is not watched.</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot send, or was ended when a process it was handed to exited (an end handed to a process is that process's: make a new pipe).</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public void Send(object? value)
    {
        // Release semantics: the other end learns of nothing this process wrote earlier before it is stored.
        _node.Release();
        ThrowIfClosed();
        if (_sendQueue is null)
        {
            _ = Sender;
        }
        var message = ValueCodec.Encode(value, $"a message on pipe '{Name}'");
        if (_ring is null || !_ring.TrySend(message, _spill, _disposed, _ended))
        {
            Sender.Put(message);
        }
    }

    /// <summary>Sends <paramref name="bytes"/> as one message, as Python's <c>send_bytes(buf)</c>; received whole by <see cref="RecvBytesAsync"/>.</summary>
    /// <param name="bytes">The message.</param>
    /// <exception cref="ArgumentNullException"><paramref name="bytes"/> is <see langword="null"/>.</exception>
    /// <exception cref="IOException">The other end is closed, or the process that held it has exited (Python's <c>BrokenPipeError</c>); see <see cref="Send"/>.</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot send, or was ended when a process it was handed to exited.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public void SendBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Send(bytes);
    }

    /// <summary>Waits for the next message and returns it, as Python's <c>recv()</c>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="EndOfStreamException">The other end is closed or its process is gone, and every message it sent has been received (Python's <c>EOFError</c>).</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async Task<object?> RecvAsync(CancellationToken cancellationToken = default) =>
        ValueCodec.Decode(await ReceiveEncodedAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Waits for the next message, which must be a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The message's type.</typeparam>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="InvalidCastException">The message is not a <typeparamref name="T"/> (the error names this end, <typeparamref name="T"/> and the message's type); the message stays on the pipe, and the next receive gets it (<see cref="RecvAsync(CancellationToken)"/> takes any type).</exception>
    /// <exception cref="EndOfStreamException">The other end is closed or its process is gone, and every message it sent has been received.</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public Task<T> RecvAsync<T>(CancellationToken cancellationToken = default) =>
        ReceiveAsAsync<T>($"RecvAsync<{TypeNames.Readable(typeof(T))}>()", cancellationToken);

    /// <summary>
    /// Receives messages until end-of-file (the other end closed or its process gone, and everything it
    /// sent received), as Python's loop of <c>recv()</c> until <c>EOFError</c>.
    /// </summary>
    /// <typeparam name="T">The messages' type.</typeparam>
    /// <param name="cancellationToken">Ends the iteration with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The messages, in the order they were sent.</returns>
    /// <exception cref="InvalidCastException">A message is not a <typeparamref name="T"/>; it stays on the pipe for the next receive.</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async IAsyncEnumerable<T> ReadAllAsync<T>([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            T message;
            try
            {
                message = await RecvAsync<T>(cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                yield break;
            }
            yield return message;
        }
    }

    /// <summary>Waits for the next message, sent by <see cref="SendBytes"/>, as Python's <c>recv_bytes()</c>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message's bytes.</returns>
    /// <exception cref="InvalidCastException">The message is not bytes (the error names this end and the message's type); it stays on the pipe, and the next receive gets it.</exception>
    /// <exception cref="EndOfStreamException">The other end is closed or its process is gone, and every message it sent has been received.</exception>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public Task<byte[]> RecvBytesAsync(CancellationToken cancellationToken = default) => ReceiveAsAsync<byte[]>("RecvBytesAsync()", cancellationToken);

    /// <summary>Whether a message is waiting or comes within <paramref name="timeout"/>, as Python's <c>poll(timeout)</c>; the message stays for <see cref="RecvAsync"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> (the default, as Python's) or any negative value answers at once (Python's <c>poll(-1)</c> does too); <see cref="Timeout.InfiniteTimeSpan"/> waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when a message is there to receive, or end-of-file is (Python's poll is true at EOF too).</returns>
    /// <exception cref="InvalidOperationException">This end is closed, or cannot receive.</exception>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async Task<bool> PollAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        if (Volatile.Read(ref _peeked) is not null)
        {
            return true;
        }
        // No timeout, or a negative one, only looks, as Python's poll(); an infinite or enormous one waits as long as it takes.
        var limit = timeout is not { } given || (given < TimeSpan.Zero && given != Timeout.InfiniteTimeSpan)
            ? TimeSpan.Zero
            : Configuration.Timeouts.WaitLimit(given, nameof(timeout)) ?? Timeout.InfiniteTimeSpan;
        if (_recvQueue is null)
        {
            _ = Receiver;
        }
        if (_ring is { ReceivesFromRing: true } ring)
        {
            return await ring.PollAsync(limit, Disposed, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var value = await Receiver.TakeAsync(limit == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(limit.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _peeked, value);
            return value is not null;
        }
        catch (EndOfStreamException)
        {
            return true;
        }
    }

    /// <summary>
    /// Closes this end, as Python's <c>close()</c>: what it sent is delivered first, then the other end
    /// gets end-of-file; this end neither sends nor receives any more, and a send from the other end
    /// throws <see cref="IOException"/> (Python's <c>BrokenPipeError</c>). Closing twice does nothing more.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait, not the close.</param>
    /// <returns>A task that completes when the other end will see end-of-file after this end's messages.</returns>
    /// <exception cref="ObjectDisposedException">The pipe's manager is disposed.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _ring?.EndHere();
        if (_sendQueue is null)
        {
            return;
        }
        if (_ring is { StoreOnly: false } ring)
        {
            // Messages that went through the store are stored first, then the reader sees the end.
            await Sender.FlushAsync(cancellationToken).ConfigureAwait(false);
            ring.CloseSending();
        }
        else
        {
            await Sender.EndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"<PipeConnection '{Name}'>";

    void ISharedObject.WriteHandle(WireWriter writer)
    {
        SharedObjects.WriteHeader(writer, SharedObjects.PipeKind, _host, Name, typeof(object));
        writer.WriteString(_sendQueue);
        writer.WriteString(_recvQueue);
        string? block = null;
        if (_closed)
        {
            throw new NotShippableException($"Cannot hand pipe end '{Name}' to another process: it is closed. Make a new pipe (manager.Pipe()).", typeof(PipeConnection));
        }
        if (_ring is { } ring)
        {
            if (ring.IsEnded(out var why, out var pid))
            {
                throw new NotShippableException(
                    $"Cannot hand pipe end '{Name}' to another process: it {Cause(why, pid)}, and an end handed to a process is that process's, ending with it. " +
                    "Make a new pipe (manager.Pipe()) for the new process.", typeof(PipeConnection));
            }
            if (HostBoundWork.Active)
            {
                // A Host node is another machine: the whole pipe goes through the driver's store from now on.
                if (!ring.TrySwitchToStore(() => Receiver))
                {
                    throw new NotShippableException(
                        $"Cannot send pipe end '{Name}' to a Host node: messages sent to it went through this machine's shared memory and the driver's store " +
                        "(large ones, or many unread), and are not all received yet. Pass a pipe's ends to work that may run on Host nodes before sending large messages on it.", typeof(PipeConnection));
                }
            }
            else if (!ring.StoreOnly)
            {
                block = ring.SegmentName;
            }
        }
        writer.WriteString(block);
    }

    internal static object ReadHandle(WireReader reader, string host, string name)
    {
        var sendQueue = reader.ReadString();
        var recvQueue = reader.ReadString();
        RingPipeEnd? ring = null;
        if (reader.ReadString() is { } block)
        {
            ring = RingPipeEnd.Open(new SegmentLease(MemorySegment.Attach(block, $"pipe end '{name}'")), EndOf(name), name);
            // The process that receives an end holds it: when it goes, the other end sees end-of-file.
            ring.Claim();
        }
        return new PipeConnection(SharedStateNode.For(host), host, name, sendQueue, recvQueue, ring);
    }

    /// <summary>The locator of the pipe's shared-memory block, if it has one (for tests).</summary>
    internal string? BlockName => _ring?.SegmentName;

    /// <summary>0 for a pipe's first end, 1 for its second.</summary>
    internal static int EndOf(string name) => name.EndsWith(":2", StringComparison.Ordinal) ? 1 : 0;

    private async Task<byte[]> ReceiveEncodedAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (Interlocked.Exchange(ref _peeked, null) is { } peeked)
        {
            return peeked;
        }
        if (_recvQueue is null)
        {
            _ = Receiver;
        }
        var value = _ring is { ReceivesFromRing: true } ring
            ? await ring.ReceiveAsync(() => Receiver, Ended, Disposed, cancellationToken).ConfigureAwait(false)
            : await Receiver.TakeAsync(-1, cancellationToken).ConfigureAwait(false);
        return value!;
    }

    /// <summary>The next message as a <typeparamref name="T"/>; one of another type stays on the pipe, first in line.</summary>
    private async Task<T> ReceiveAsAsync<T>(string call, CancellationToken cancellationToken)
    {
        var encoded = await ReceiveEncodedAsync(cancellationToken).ConfigureAwait(false);
        var value = ValueCodec.Decode(encoded);
        if (value is T typed)
        {
            return typed;
        }
        if (value is null && default(T) is null)
        {
            return default!;
        }
        Volatile.Write(ref _peeked, encoded);
        var came = value is null ? "null" : $"of type {TypeNames.Readable(value.GetType())}";
        throw new InvalidCastException(
            $"Pipe end '{Name}': {call} asked for type {TypeNames.Readable(typeof(T))}, but the next message is {came}. " +
            "It stays on the pipe for the next receive (RecvAsync() takes any type).");
    }

    private Exception EndedError(int end, int why, int pid)
    {
        if (end == EndOf(Name))
        {
            return new InvalidOperationException(
                $"Pipe end '{Name}' cannot send: it {Cause(why, pid)}. An end handed to a process is that process's, and its direction ends when that process exits; " +
                "make a new pipe (manager.Pipe()) for further messages.");
        }
        var other = Name[..^1] + (end + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new IOException(
            $"Pipe end '{Name}' cannot send: the other end '{other}' {Cause(why, pid)}, so nothing would receive the message; it was not sent (Python's BrokenPipeError)." +
            (why == PipeRing.ClosedByDeath ? " Make a new pipe (manager.Pipe()) to talk to another process." : string.Empty));
    }

    private static string Cause(int why, int pid) => why == PipeRing.ClosedByDeath
        ? $"was ended when process {pid}, which held it, exited"
        : pid == Environment.ProcessId ? "was closed" : $"was closed (in process {pid})";

    private EndOfStreamException Ended() =>
        new($"Pipe end '{Name}': the other end was closed or its process is gone, and everything it sent has been received (Python's EOFError).");

    private ObjectDisposedException Disposed()
    {
        var manager = _host[(_host.LastIndexOf('/') + 1)..];
        return SharedStateNode.DisposedError(manager, Name);
    }

    private IQueueClient Client(string queue) =>
        QueueStore.Find(_host) is { } store ? new LocalQueueClient(store, queue, _node.Address, _node.TaskAccount(_host, queue)) : new RemoteQueueClient(_node, _host, queue, bounded: false);

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException($"Pipe end '{Name}' is closed (Python's OSError: handle is closed).");
        }
    }
}
