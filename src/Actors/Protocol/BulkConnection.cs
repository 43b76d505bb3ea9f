using System.Buffers.Binary;
using System.Net.Sockets;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// The sending side of one bulk connection: transfers are written one at a time, and each completes when
/// the peer says it has delivered it (or could not read it).
/// </summary>
internal sealed class BulkConnection : IDisposable
{
    private readonly Stream _stream;
    private readonly Lock _writeLock = new();
    private readonly Dictionary<long, TaskCompletionSource<bool>> _pending = [];
    private readonly TaskCompletionSource _closedSource = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public BulkConnection(Stream stream, BulkEndpoint endpoint)
    {
        _stream = stream;
        Endpoint = endpoint;
        new Thread(ReadAcknowledgements) { IsBackground = true, Name = "actorparallel-bulk-out" }.Start();
    }

    public BulkEndpoint Endpoint { get; }

    /// <summary>Completes when the connection has closed (the peer left, or a write broke it).</summary>
    public Task Closed => _closedSource.Task;

    /// <summary>
    /// Writes one transfer; the task completes with <see langword="true"/> once the peer delivered it, or
    /// <see langword="false"/> if it could not read it.
    /// </summary>
    /// <exception cref="IOException">The connection broke before the whole transfer was written: the peer has not delivered it.</exception>
    public Task<bool> Send(long id, byte[] head, WireWriter message)
    {
        var acknowledged = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            if (_closed)
            {
                throw new IOException("The bulk connection is closed.");
            }
            _pending[id] = acknowledged;
        }
        try
        {
            lock (_writeLock)
            {
                DirectLink.WriteRaw(_stream, head);
                DirectLink.WriteFrame(_stream, message);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException)
        {
            lock (_pending)
            {
                _pending.Remove(id);
            }
            Dispose();
            throw new IOException($"The bulk connection to {Endpoint.Host}:{Endpoint.Port} broke while sending: {exception.Message}", exception);
        }
        return acknowledged.Task;
    }

    public void Dispose()
    {
        try
        {
            _stream.Dispose();
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // Already broken.
        }
    }

    private void ReadAcknowledgements()
    {
        var ack = new byte[9];
        try
        {
            while (true)
            {
                _stream.ReadExactly(ack);
                TaskCompletionSource<bool>? pending;
                lock (_pending)
                {
                    _pending.Remove(BinaryPrimitives.ReadInt64LittleEndian(ack), out pending);
                }
                pending?.TrySetResult(ack[8] == 1);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException or EndOfStreamException)
        {
            // Closed: what was written whole but not acknowledged may or may not have been delivered.
        }
        List<TaskCompletionSource<bool>> orphans;
        lock (_pending)
        {
            _closed = true;
            orphans = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (var orphan in orphans)
        {
            orphan.TrySetException(new IOException($"The bulk connection to {Endpoint.Host}:{Endpoint.Port} closed before the peer acknowledged a transfer."));
        }
        Dispose();
        _closedSource.TrySetResult();
    }
}
