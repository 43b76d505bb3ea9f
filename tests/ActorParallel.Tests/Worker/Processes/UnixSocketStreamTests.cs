using System.Net.Sockets;
using ActorParallel.Workers;

namespace ActorParallel.Tests.Worker.Processes;

/// <summary>The worker's libc-level end of the direct link, against a real .NET socket listener.</summary>
public sealed class UnixSocketStreamTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("actorparallel-uss-").FullName;

    [Fact]
    public async Task Connect_ToAListeningSocket_CarriesBytesBothWaysAndEndsWithEndOfStream()
    {
        Assert.True(UnixSocketStream.IsSupported, "these tests run on Linux");
        var path = Path.Combine(_folder, "s.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var accepting = listener.AcceptAsync();

        var stream = UnixSocketStream.Connect(path);
        using var peer = await accepting.WaitAsync(Bound);
        var large = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        var writing = Task.Run(() => stream.Write(large));
        var received = new byte[large.Length];
        for (var got = 0; got < received.Length;)
        {
            var n = await peer.ReceiveAsync(received.AsMemory(got)).AsTask().WaitAsync(Bound);
            Assert.True(n > 0, $"the stream ended after {got} of {received.Length} bytes");
            got += n;
        }
        await writing.WaitAsync(Bound);
        await peer.SendAsync(new byte[] { 7, 8, 9 });
        var reply = new byte[3];
        stream.ReadExactly(reply);
        stream.Dispose();
        var afterClose = await peer.ReceiveAsync(new byte[1].AsMemory()).AsTask().WaitAsync(Bound);

        Assert.Equal(large, received);
        Assert.Equal(new byte[] { 7, 8, 9 }, reply);
        Assert.Equal(0, afterClose);
    }

    [Fact]
    public async Task Connect_AsksForTheLinksSendBuffer_AFrameLargerThanTheDefaultIsTakenWholeWhileNothingReads()
    {
        // Linux gives twice what is asked, up to twice net.core.wmem_max; the default holds 208 KiB.
        var maximum = int.Parse(File.ReadAllText("/proc/sys/net/core/wmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var frame = new byte[Math.Min(ActorParallel.Protocol.DirectLink.SendBufferBytes, maximum)];
        Assert.True(frame.Length > 212_992 / 2, $"net.core.wmem_max is {maximum}: no buffer larger than the default can be asked for here");
        var path = Path.Combine(_folder, "b.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var accepting = listener.AcceptAsync();
        using var stream = UnixSocketStream.Connect(path);
        using var peer = await accepting.WaitAsync(Bound);

        // Nothing reads from the peer: the write returns only if the kernel takes the whole frame.
        var writing = Task.Run(() => stream.Write(frame));
        var finished = await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(10)));
        var received = new byte[frame.Length];
        for (var got = 0; got < received.Length;)
        {
            got += await peer.ReceiveAsync(received.AsMemory(got)).AsTask().WaitAsync(Bound);
        }
        await writing.WaitAsync(Bound);

        Assert.Same(writing, finished);
    }

    [Fact]
    public void AskSendBuffer_OnADotNetSocket_GetsTheLinksSizeUpToTheSystemsMaximum()
    {
        var maximum = int.Parse(File.ReadAllText("/proc/sys/net/core/wmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var before = socket.SendBufferSize;

        ActorParallel.Protocol.DirectLink.AskSendBuffer(socket);

        // Linux reports twice the size it grants.
        Assert.Equal(2 * Math.Min(ActorParallel.Protocol.DirectLink.SendBufferBytes, maximum), socket.SendBufferSize);
        Assert.True(socket.SendBufferSize > before, $"the buffer stayed at {before} bytes");
    }

    [Fact]
    public void Connect_NoSocketAtThePath_ThrowsIOExceptionNamingIt()
    {
        var path = Path.Combine(_folder, "missing.sock");

        var error = Assert.Throws<IOException>(() => UnixSocketStream.Connect(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Connect_PathLongerThanASocketAddress_ThrowsIOExceptionSayingSo()
    {
        var path = Path.Combine(_folder, new string('p', 120));

        var error = Assert.Throws<IOException>(() => UnixSocketStream.Connect(path));

        Assert.Contains("longer than a Unix socket address allows", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
