using System.Buffers.Binary;
using System.Buffers;
using System.Net.Sockets;
using ActorParallel.Configuration;
using ActorParallel.Serialization;

namespace ActorParallel.Protocol;

/// <summary>
/// The direct link between a pool and one of its local worker processes: a Unix domain socket that
/// carries the pool protocol's messages (the same binary wire format as over Akka.Remote), each as
/// a frame of a 4-byte little-endian length and the serialized message. A zero-length frame is a
/// heartbeat. The worker needs no ActorSystem for it, so a pool worker starts in a fraction of the
/// time and memory; one is started in the worker only when a pool function uses a shared object.
/// </summary>
internal static class DirectLink
{
    /// <summary>The first stdin line of a worker that a pool links to directly starts with this word.</summary>
    public const string Greeting = "direct";

    /// <summary>How often each side shows it is alive.</summary>
    public static readonly TimeSpan HeartbeatInterval = Timeouts.LinkHeartbeat;

    /// <summary>
    /// The send buffer each end asks for (<c>SO_SNDBUF</c>; Linux doubles it, up to
    /// <c>net.core.wmem_max</c>, and a smaller maximum simply caps it). A Unix socket's sender may have
    /// that much in flight: at the default 208 KiB a 1 MiB result crossed in five or more pieces, each a
    /// sleep of the writer and a wake of the reader. bytes_from_workers (400 × 1 MiB, 2 workers, three
    /// runs each, <c>perf stat</c>): 0.34-0.41 s, ~51k context switches, 0.99-1.11 s of CPU at the default;
    /// 0.29-0.30 s, ~24k, 0.88-0.92 s at 2 MiB.
    /// </summary>
    public const int SendBufferBytes = 2 << 20;

    private static readonly Lazy<string> SocketDirectory = new(CreateSocketDirectory);
    private static int s_lastSocket;

    // Pool protocol messages carry no actor references, so the serializer needs no ActorSystem.
    private static readonly WireSerializer Codec = new(null!);

    /// <summary>The stdin line that tells a worker where to connect, the token it proves itself with, and the payload limit.</summary>
    public static string Describe(string socketPath, string token, int maxPayloadBytes) =>
        $"{Greeting} {maxPayloadBytes} {token} {socketPath}";

    /// <summary>Reads what <see cref="Describe"/> wrote; <see langword="null"/> when the line is not a direct link's.</summary>
    public static (string SocketPath, string Token, int MaxPayloadBytes)? Parse(string line)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length != 4 || parts[0] != Greeting || !int.TryParse(parts[1], out var maxPayload))
        {
            return null;
        }
        return (parts[3], parts[2], maxPayload);
    }

    /// <summary>
    /// Listens on a new socket for one worker: in a folder of this process's that only this user
    /// can open, so no other user's process can connect (the token guards against the rest).
    /// </summary>
    public static (Socket Listener, string Path) Listen()
    {
        var path = System.IO.Path.Combine(SocketDirectory.Value, $"{Interlocked.Increment(ref s_lastSocket)}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            return (listener, path);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the worker to connect and present <paramref name="token"/>; a connection without it
    /// is dropped and the wait goes on. The socket's file is removed once the worker is in.
    /// </summary>
    public static async Task<Socket> AcceptAsync(Socket listener, string path, string token, CancellationToken cancellationToken)
    {
        try
        {
            var expected = System.Text.Encoding.ASCII.GetBytes(token);
            while (true)
            {
                var socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                if (await PresentsAsync(socket, expected, cancellationToken).ConfigureAwait(false))
                {
                    AskSendBuffer(socket);
                    return socket;
                }
                socket.Dispose();
            }
        }
        finally
        {
            listener.Dispose();
            File.Delete(path);
        }
    }

    /// <summary>Asks for <see cref="SendBufferBytes"/>; where the OS refuses the size, the link keeps its default.</summary>
    public static void AskSendBuffer(Socket socket)
    {
        try
        {
            socket.SendBufferSize = SendBufferBytes;
        }
        catch (SocketException)
        {
            // Only slower: each large value crosses in more pieces.
        }
    }

    /// <summary>Whether the connection's first frame is <paramref name="expected"/>, read without holding a thread, within 10 s.</summary>
    private static async Task<bool> PresentsAsync(Socket socket, byte[] expected, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeouts.LinkToken);
        await using var probe = new NetworkStream(socket, ownsSocket: false);
        var presented = new byte[4 + expected.Length];
        try
        {
            await probe.ReadExactlyAsync(presented, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or EndOfStreamException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
        return BinaryPrimitives.ReadInt32LittleEndian(presented) == expected.Length && presented.AsSpan(4).SequenceEqual(expected);
    }

    private static string CreateSocketDirectory()
    {
        const string prefix = "actorparallel-";
        var root = System.IO.Path.GetTempPath();
        foreach (var stale in Directory.EnumerateDirectories(root, prefix + "*"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(stale)[prefix.Length..], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(stale);
            }
        }
        var directory = System.IO.Path.Combine(root, prefix + Environment.ProcessId);
        // Sockets are removed as workers connect; the folder goes when this process ends (a later
        // driver removes it if this one is killed).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return directory;
        }
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(directory, ownerOnly);
        // An existing folder of the same name (a reused PID) may have other modes: make sure.
        File.SetUnixFileMode(directory, ownerOnly);
        return directory;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Another user's, or in use: not ours to remove.
        }
    }

    /// <summary>
    /// Writes one message (or a heartbeat, for <see langword="null"/>) as a frame. Callers serialize writes.
    /// Large arrays the message carries (<see cref="Encoded.Blocks"/>) go after its bytes straight from
    /// where they are, no copy: the frame's length then has its top bit set, and a table of the arrays
    /// (count, then each one's kind and element count) comes before the message's bytes.
    /// </summary>
    /// <returns>The frame's bytes, header and out-of-band arrays included.</returns>
    public static long Write(Stream stream, object? message) => WriteFrame(stream, Serialize(message));

    /// <summary>
    /// A message serialized for <see cref="WriteFrame"/>, or <see langword="null"/> for a heartbeat. Apart
    /// from the write so that a large message is serialized outside the caller's write lock: heartbeats
    /// meanwhile still go out (a worker encoding a 600 MiB queue item under the lock answered none for
    /// longer than the acceptable pause, and was given up).
    /// </summary>
    public static WireWriter? Serialize(object? message) => message is null ? null : Codec.Write(message, collectBlocks: true);

    /// <summary>Writes what <see cref="Serialize"/> made as one frame (its out-of-band arrays after it). Callers serialize writes.</summary>
    /// <returns>The frame's bytes, header and out-of-band arrays included.</returns>
    public static long WriteFrame(Stream stream, WireWriter? writer)
    {
        if (writer is null)
        {
            WriteRaw(stream, []);
            return 4;
        }
        var blocks = writer.Blocks;
        if (blocks.Count == 0)
        {
            WriteRaw(stream, writer.WrittenSpan);
            return 4 + writer.Length;
        }
        var inline = writer.WrittenSpan;
        var headerLength = 8 + (blocks.Count * 5);
        long frame = headerLength + inline.Length;
        // The header and table with the message's bytes in one write, unless those are large (then apart:
        // a pooled buffer of that size would stay in the pool).
        var together = inline.Length <= SingleWriteBytes;
        var head = ArrayPool<byte>.Shared.Rent(headerLength + (together ? inline.Length : 0));
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(head, inline.Length | BlocksFollow);
            BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(4), blocks.Count);
            for (var index = 0; index < blocks.Count; index++)
            {
                head[8 + (index * 5)] = WireBlocks.KindOf(blocks[index]);
                BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(9 + (index * 5)), blocks[index].Length);
            }
            if (together)
            {
                inline.CopyTo(head.AsSpan(headerLength));
                stream.Write(head, 0, headerLength + inline.Length);
            }
            else
            {
                stream.Write(head, 0, headerLength);
                stream.Write(inline);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
        foreach (var block in blocks)
        {
            var total = WireBlocks.ByteLength(block);
            for (long offset = 0; offset < total;)
            {
                var count = (int)Math.Min(total - offset, BlockWindowBytes);
                stream.Write(WireBlocks.Window(block, offset, count));
                offset += count;
            }
            frame += total;
        }
        stream.Flush();
        return frame;
    }

    /// <summary>The top bit of a frame's length: out-of-band arrays follow the message's bytes.</summary>
    private const int BlocksFollow = unchecked((int)0x80000000);

    /// <summary>How much of an out-of-band array one read or write moves (a span holds at most 2 GiB).</summary>
    private const int BlockWindowBytes = 1 << 30;

    /// <summary>
    /// Writes a frame. Up to <see cref="SingleWriteBytes"/> it goes in one write: written as header
    /// and payload, the header alone woke the reader, which on a busy machine could then take the
    /// writer's CPU and leave the frame half-sent for milliseconds (seen: 2.6-3.3 ms before a worker
    /// got its first chunk of a map).
    /// </summary>
    public static void WriteRaw(Stream stream, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > SingleWriteBytes)
        {
            Span<byte> header = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
            stream.Write(header);
            stream.Write(payload);
            stream.Flush();
            return;
        }
        var frame = ArrayPool<byte>.Shared.Rent(4 + payload.Length);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
            payload.CopyTo(frame.AsSpan(4));
            stream.Write(frame, 0, 4 + payload.Length);
            stream.Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>The largest payload copied to go out with its header in one write; larger ones take two (the copy would cost more than the second write).</summary>
    private const int SingleWriteBytes = 256 * 1024;

    /// <summary>
    /// Reads the next frame: its bytes, and the out-of-band arrays that followed them, each read straight
    /// into the array the message will hold; <see langword="null"/> at end of stream.
    /// </summary>
    /// <exception cref="WireFormatException">The frame's header is malformed.</exception>
    /// <param name="stream">The link.</param>
    /// <param name="progress">Called as each 16 MiB of a large frame arrives: the other side is alive, even if the whole frame takes seconds.</param>
    public static Encoded? ReadFrame(Stream stream, Action? progress = null)
    {
        Span<byte> header = stackalloc byte[4];
        if (!ReadExactly(stream, header))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length >= 0)
        {
            var payload = new byte[length];
            return ReadExactly(stream, payload, progress) ? new Encoded(payload, []) : (Encoded?)null;
        }
        length &= ~BlocksFollow;
        if (!ReadExactly(stream, header))
        {
            return null;
        }
        var blockCount = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (blockCount <= 0 || blockCount > MaxBlocksPerFrame)
        {
            throw new WireFormatException($"A direct link frame claims {blockCount} out-of-band arrays.");
        }
        var table = new byte[blockCount * 5];
        var bytes = new byte[length];
        if (!ReadExactly(stream, table) || !ReadExactly(stream, bytes, progress))
        {
            return null;
        }
        var blocks = new Array[blockCount];
        for (var index = 0; index < blockCount; index++)
        {
            var elements = BinaryPrimitives.ReadInt32LittleEndian(table.AsSpan((index * 5) + 1));
            if (elements < 0)
            {
                throw new WireFormatException($"A direct link frame claims an array of {elements} elements.");
            }
            blocks[index] = WireBlocks.Allocate(table[index * 5], elements);
        }
        foreach (var block in blocks)
        {
            var total = WireBlocks.ByteLength(block);
            for (long offset = 0; offset < total;)
            {
                var count = (int)Math.Min(total - offset, BlockWindowBytes);
                if (!ReadExactly(stream, WireBlocks.Window(block, offset, count), progress))
                {
                    return null;
                }
                offset += count;
            }
        }
        return new Encoded(bytes, blocks);
    }

    /// <summary>More arrays than any message carries: a header claiming more is corrupt.</summary>
    private const int MaxBlocksPerFrame = 1 << 20;

    /// <summary>The message a frame carries, or <see langword="null"/> for a heartbeat.</summary>
    public static object? Decode(Encoded frame) => frame.Bytes.Length == 0 ? null : Codec.Read(frame.Bytes, frame.Blocks);

    /// <summary>A message serialized and read back, as it arrives over either link (the warm-up uses it).</summary>
    public static object RoundTrip(object message) => Codec.FromBinary(Codec.ToBinary(message), null);

    /// <summary>A stream over a connected socket that owns it.</summary>
    public static NetworkStream Open(Socket socket) => new(socket, ownsSocket: true);

    private static bool ReadExactly(Stream stream, Span<byte> buffer, Action? progress = null)
    {
        var read = 0;
        var reported = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer[read..]);
            if (n == 0)
            {
                return false;
            }
            read += n;
            if (progress is not null && read - reported >= ProgressBytes)
            {
                progress();
                reported = read;
            }
        }
        return true;
    }

    private const int ProgressBytes = 16 << 20;
}
