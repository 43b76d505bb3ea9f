using System.Runtime.InteropServices;
using System.Text;

namespace ActorParallel.Workers;

/// <summary>
/// A worker's end of its direct link on Linux: a Unix domain socket opened and used through libc
/// calls. <see cref="System.Net.Sockets.Socket"/> would do the same, but loading and starting .NET's
/// socket layer costs a starting worker ~15 ms of CPU; this costs ~1 ms. Reads may run on one
/// thread while writes (serialized by the caller) run on another.
/// </summary>
internal sealed partial class UnixSocketStream : Stream
{
    private const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000, Eintr = 4, PathCapacity = 108, SolSocket = 1, SoSndbuf = 7;

    private readonly int _fd;
    private int _closed;

    private UnixSocketStream(int fd) => _fd = fd;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Whether this stream can be used here (Linux); elsewhere the link uses <see cref="System.Net.Sockets.Socket"/>.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Connects to the socket at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The socket cannot be created or reached; the message says why.</exception>
    public static UnixSocketStream Connect(string path)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= PathCapacity)
        {
            throw new IOException($"The socket path '{path}' is longer than a Unix socket address allows ({PathCapacity - 1} bytes).");
        }
        var fd = CreateSocket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0)
        {
            throw LastError("create a socket");
        }
        // struct sockaddr_un: a 2-byte family, then the NUL-terminated path.
        var address = new byte[2 + PathCapacity];
        BitConverter.TryWriteBytes(address, (ushort)AfUnix);
        pathBytes.CopyTo(address, 2);
        int result;
        do
        {
            result = ConnectSocket(fd, ref address[0], 2 + pathBytes.Length + 1);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Eintr);
        if (result < 0)
        {
            var error = LastError($"connect to {path}");
            Close(fd);
            throw error;
        }
        // Failing, it only leaves the default: each large value then crosses in more pieces.
        var sendBuffer = Protocol.DirectLink.SendBufferBytes;
        _ = SetOption(fd, SolSocket, SoSndbuf, ref sendBuffer, sizeof(int));
        return new UnixSocketStream(fd);
    }

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var read = ReadDescriptor(_fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
            if (read >= 0)
            {
                return (int)read;
            }
            if (Marshal.GetLastPInvokeError() != Eintr)
            {
                throw LastError("read from the link");
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var written = WriteDescriptor(_fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
            if (written >= 0)
            {
                buffer = buffer[(int)written..];
            }
            else if (Marshal.GetLastPInvokeError() != Eintr)
            {
                throw LastError("write to the link");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Close(_fd);
        }
        base.Dispose(disposing);
    }

    private static IOException LastError(string what) =>
        new($"Could not {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int CreateSocket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int ConnectSocket(int fd, ref byte address, int length);

    [LibraryImport("libc", EntryPoint = "setsockopt")]
    private static partial int SetOption(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadDescriptor(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteDescriptor(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
