using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorParallel.Serialization;
using Akka.Actor;
using ActorParallel.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Protocol;

/// <summary>
/// Large messages between two remoting systems on a TCP connection of their own, beside Akka.Remote's:
/// one write of the message's bytes and one of each large array it carries, straight from where they
/// are, through TLS with the cluster's certificate when the systems use one (the same mutual
/// authentication, the peer's certificate pinned by its SHA-256 hash), read on the other side straight
/// into the arrays the message will hold. Akka.Remote copies each byte about four times per side
/// (envelope, protobuf, DotNetty, TLS) and carries one association's messages in order over one
/// connection, so a large message there holds up heartbeats; here it holds up nothing.
/// </summary>
/// <remarks>
/// A system's listener starts when a peer first asks for it (<see cref="Endpoint"/>), on the address its
/// remoting binds, on a port of the OS's choosing; a connection presents a token the peer learnt over
/// remoting. A sender that cannot connect (a firewall that lets only the remoting port through) sends
/// in segments over Akka.Remote instead (<see cref="WireSegments"/>).
/// </remarks>
internal sealed class BulkLinks : IDisposable
{
    private static long s_messagesReceived;

    private readonly ExtendedActorSystem _system;
    private readonly string _bindHost;
    private readonly string _advertisedHost;
    private readonly X509Certificate2? _certificate;
    private readonly string? _pinned;
    private readonly byte[] _token = RandomNumberGenerator.GetBytes(16);
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _open = [];
    private Socket? _listener;
    private BulkEndpoint? _endpoint;
    private bool _disposed;

    /// <param name="system">The system whose messages this carries.</param>
    /// <param name="bindHost">The address its remoting binds (the listener binds the same).</param>
    /// <param name="advertisedHost">The address peers reach it by.</param>
    /// <param name="certificate">The cluster's certificate with its private key, or <see langword="null"/> for no TLS (a loopback-only system).</param>
    public BulkLinks(ExtendedActorSystem system, string bindHost, string advertisedHost, X509Certificate2? certificate)
    {
        _system = system;
        _bindHost = bindHost;
        _advertisedHost = advertisedHost;
        _certificate = certificate;
        _pinned = certificate?.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>How many messages this process has received over bulk links (tests see which way a message came).</summary>
    public static long MessagesReceived => Interlocked.Read(ref s_messagesReceived);

    private ILogger Log => ActorParallelLogging.Get(_system).CreateLogger(LogCategories.Wire);

    private WireSerializer Codec => (WireSerializer)_system.Serialization.FindSerializerForType(typeof(IWireMessage));

    /// <summary>Where peers connect to send this system large messages; starts listening on first call.</summary>
    /// <exception cref="SocketException">No socket could be bound on the remoting address.</exception>
    public BulkEndpoint Endpoint()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_endpoint is not null)
            {
                return _endpoint;
            }
            var address = ResolveAddress(_bindHost);
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(new IPEndPoint(address, 0));
                listener.Listen(16);
            }
            catch
            {
                listener.Dispose();
                throw;
            }
            _listener = listener;
            _endpoint = new BulkEndpoint(_advertisedHost, ((IPEndPoint)listener.LocalEndPoint!).Port, Convert.ToHexString(_token));
            new Thread(() => AcceptLoop(listener)) { IsBackground = true, Name = "actorparallel-bulk-accept" }.Start();
            return _endpoint;
        }
    }

    /// <summary>Connects to a peer's <paramref name="endpoint"/> and authenticates both ways.</summary>
    /// <exception cref="IOException">The connection or the TLS handshake failed, or timed out.</exception>
    public BulkConnection Connect(BulkEndpoint endpoint)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            using var timeout = new CancellationTokenSource(Configuration.Timeouts.BulkConnect);
            socket.ConnectAsync(endpoint.Host ?? throw new ArgumentException("The endpoint names no host.", nameof(endpoint)), endpoint.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = endpoint.Host,
                    ClientCertificates = [_certificate],
                    RemoteCertificateValidationCallback = (_, peer, _, _) => IsPinned(peer),
                }, timeout.Token).GetAwaiter().GetResult();
            }
            DirectLink.WriteRaw(stream, Convert.FromHexString(endpoint.Token));
            var connection = new BulkConnection(stream, endpoint);
            Track(connection);
            connection.Closed.ContinueWith(_ => Untrack(connection), TaskScheduler.Default);
            return connection;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or AuthenticationException or FormatException)
        {
            (stream ?? (IDisposable)socket).Dispose();
            throw new IOException($"No bulk connection to {endpoint.Host}:{endpoint.Port}: {exception.Message}", exception);
        }
    }

    public void Dispose()
    {
        List<IDisposable> open;
        lock (_gate)
        {
            _disposed = true;
            open = [.. _open];
            _open.Clear();
            if (_listener is not null)
            {
                open.Add(_listener);
            }
        }
        foreach (var resource in open)
        {
            try
            {
                resource.Dispose();
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                // Closing a connection the peer already closed.
            }
        }
    }

    private bool IsPinned(X509Certificate? peer) =>
        _pinned is not null && peer?.GetCertHashString(HashAlgorithmName.SHA256) == _pinned;

    private void Track(IDisposable resource)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _open.Add(resource);
                return;
            }
        }
        resource.Dispose();
    }

    private void Untrack(IDisposable resource)
    {
        lock (_gate)
        {
            _open.Remove(resource);
        }
    }

    private void AcceptLoop(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = listener.Accept();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return;
            }
            new Thread(() => Serve(socket)) { IsBackground = true, Name = "actorparallel-bulk-in" }.Start();
        }
    }

    /// <summary>One peer's connection: authenticate it, then receive messages and acknowledge each once delivered.</summary>
    private void Serve(Socket socket)
    {
        socket.NoDelay = true;
        var network = new NetworkStream(socket, ownsSocket: true);
        Stream stream = network;
        Track(network);
        try
        {
            using (var timeout = new CancellationTokenSource(Configuration.Timeouts.BulkConnect))
            {
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    Track(tls);
                    stream = tls;
                    tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, peer, _, _) => IsPinned(peer),
                    }, timeout.Token).GetAwaiter().GetResult();
                }
                // The token's frame, read as the fixed 4 + 16 bytes it is: a stranger's claimed length allocates nothing.
                socket.ReceiveTimeout = (int)Configuration.Timeouts.BulkConnect.TotalMilliseconds;
                Span<byte> presented = stackalloc byte[4 + 16];
                stream.ReadExactly(presented);
                socket.ReceiveTimeout = 0;
                if (BinaryPrimitives.ReadInt32LittleEndian(presented) != _token.Length || !CryptographicOperations.FixedTimeEquals(presented[4..], _token))
                {
                    Log.LogWarning("ActorParallel refused a bulk connection from {Peer}: it did not present this system's token.", socket.RemoteEndPoint);
                    return;
                }
            }
            Span<byte> ack = stackalloc byte[9];
            while (DirectLink.ReadFrame(stream) is { } head && DirectLink.ReadFrame(stream) is { } frame)
            {
                var (id, recipient, sender) = ReadHead(head.Bytes);
                var delivered = Deliver(frame, recipient, sender);
                BinaryPrimitives.WriteInt64LittleEndian(ack, id);
                ack[8] = delivered ? (byte)1 : (byte)0;
                stream.Write(ack);
                stream.Flush();
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or AuthenticationException or OperationCanceledException or WireFormatException or EndOfStreamException)
        {
            // The peer left, or never authenticated: its transfers end with it (the sender falls back or gives up).
        }
        finally
        {
            stream.Dispose();
            Untrack(network);
            Untrack(stream);
        }
    }

    private bool Deliver(Encoded frame, string recipient, string? sender)
    {
        object message;
        try
        {
            message = Codec.Read(frame.Bytes, frame.Blocks);
        }
        catch (Exception exception)
        {
            Log.LogError(exception, "A large message for {Recipient} could not be read and was dropped.", recipient);
            return false;
        }
        var provider = _system.Provider;
        provider.ResolveActorRef(recipient).Tell(message, sender is null ? ActorRefs.NoSender : provider.ResolveActorRef(sender));
        Interlocked.Increment(ref s_messagesReceived);
        return true;
    }

    /// <summary>A transfer's head: its id, the recipient's path and the sender's (empty for none).</summary>
    internal static byte[] WriteHead(long id, string recipient, string? sender)
    {
        var writer = new WireWriter(16 + recipient.Length + (sender?.Length ?? 0));
        writer.WriteInt64(id);
        writer.WriteString(recipient);
        writer.WriteString(sender);
        return writer.WrittenSpan.ToArray();
    }

    private static (long Id, string Recipient, string? Sender) ReadHead(byte[] bytes)
    {
        var reader = new WireReader(bytes, 0, bytes.Length, []);
        var id = reader.ReadInt64();
        var recipient = reader.ReadString() ?? throw new WireFormatException("A bulk transfer names no recipient.");
        return (id, recipient, reader.ReadString());
    }

    private static IPAddress ResolveAddress(string host) =>
        IPAddress.TryParse(host, out var address) ? address : Dns.GetHostAddresses(host)[0];
}
