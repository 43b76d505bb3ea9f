using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Configuration;

/// <summary>
/// Where an ActorParallel ActorSystem listens and how its peers prove who they are. Loopback needs no
/// proof (nothing outside this machine can connect). Any other address needs the cluster's
/// certificate: every connection is mutual TLS, and a peer is accepted only if it presents that same
/// certificate (pinned by its SHA-256 hash), so holding the certificate is the shared secret.
/// </summary>
/// <param name="Hostname">The address to bind.</param>
/// <param name="PublicHostname">The address others use to reach this one, when it differs (NAT); else <see langword="null"/>.</param>
/// <param name="Port">The port to bind; 0 lets the OS choose.</param>
/// <param name="CertificatePath">The cluster's certificate (PKCS#12 with its private key), or <see langword="null"/> for no TLS.</param>
/// <param name="CertificatePassword">The certificate file's password, if it has one.</param>
internal sealed record NodeTransport(string Hostname, string? PublicHostname, int Port, string? CertificatePath, string? CertificatePassword)
{
    private const string HostnameVariable = "ACTORPARALLEL_WORKER_HOSTNAME";
    private const string PublicHostnameVariable = "ACTORPARALLEL_WORKER_PUBLIC_HOSTNAME";
    private const string CertificateVariable = "ACTORPARALLEL_WORKER_CERTIFICATE";
    private const string PasswordVariable = "ACTORPARALLEL_WORKER_CERTIFICATE_PASSWORD";
    private const string BulkLinksVariable = "ACTORPARALLEL_WORKER_BULK_LINKS";

    /// <summary>Whether large messages may take a connection of their own (<see cref="Protocol.BulkLinks"/>); else always segments over Akka.Remote. On by default.</summary>
    public bool BulkLinks { get; init; } = true;

    private static int s_systemsStarted;

    /// <summary>127.0.0.1, a port the OS chooses, no TLS: the default everywhere.</summary>
    public static NodeTransport Loopback { get; } = new("127.0.0.1", null, 0, null, null);

    /// <summary>Whether <paramref name="hostname"/> names this machine only (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string hostname) =>
        hostname == "localhost" || (IPAddress.TryParse(hostname, out var address) && IPAddress.IsLoopback(address));

    /// <summary>What is wrong with these settings: the setting at fault and the problem, in words that name it; empty when nothing is.</summary>
    /// <param name="names">How the caller calls its settings (option names or command-line flags).</param>
    public IEnumerable<(string Setting, string Problem)> Problems(SettingNames names)
    {
        if (string.IsNullOrWhiteSpace(Hostname))
        {
            yield return (names.Hostname, $"{names.Hostname} must not be empty.");
            yield break;
        }
        if (Port is < 0 or > 65535)
        {
            yield return (names.Port, $"{names.Port} must be 0-65535 (was {Port}).");
        }
        if (CertificatePath is null)
        {
            if (!IsLoopback(Hostname) || (PublicHostname is { } publicHostname && !IsLoopback(publicHostname)))
            {
                yield return (names.Certificate, $"{names.Hostname} {Hostname} is reachable beyond this machine, which needs {names.Certificate}: " +
                    "every connection is then mutual TLS with that certificate, and a peer without it is refused. " +
                    $"Create one with {names.CreateCertificate}, or bind 127.0.0.1.");
            }
            yield break;
        }
        string? loadError = null;
        try
        {
            using var certificate = LoadCertificate();
            if (!certificate.HasPrivateKey)
            {
                loadError = $"{names.Certificate} '{CertificatePath}' has no private key (a PKCS#12 file with the key is needed).";
            }
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            loadError = $"{names.Certificate} '{CertificatePath}' cannot be read as a PKCS#12 certificate: {error.Message}";
        }
        if (loadError is not null)
        {
            yield return (names.Certificate, loadError);
        }
    }

    /// <summary>How many ActorSystems ActorParallel has started in this process (a worker on a direct link starts none).</summary>
    public static int SystemsStarted => Volatile.Read(ref s_systemsStarted);

    /// <summary>
    /// Creates an ActorSystem that does not listen at all (local provider), over <paramref name="config"/>,
    /// logging to <paramref name="logs"/> (<see cref="ProcessLogs.Default"/> when <see langword="null"/>).
    /// </summary>
    public static ActorSystem CreateLocalSystem(string name, Config config, ILoggerFactory? logs = null)
    {
        Interlocked.Increment(ref s_systemsStarted);
        return logs is null
            ? ActorSystem.Create(name, config)
            : ActorSystem.Create(name, BootstrapSetup.Create().WithConfig(LogLevel(logs).WithFallback(config)).And(new LoggingSetup(logs)));
    }

    /// <summary>
    /// Creates an ActorSystem that listens as this transport says, over <paramref name="config"/>, logging
    /// to <paramref name="logs"/> (<see cref="ProcessLogs.Default"/> when <see langword="null"/>).
    /// </summary>
    public ActorSystem CreateSystem(string name, Config config, ILoggerFactory? logs = null)
    {
        Interlocked.Increment(ref s_systemsStarted);
        var full = Overrides().WithFallback(config);
        var bootstrap = BootstrapSetup.Create().WithConfig(logs is null ? full : LogLevel(logs).WithFallback(full));
        var setup = logs is null ? Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap) : bootstrap.And(new LoggingSetup(logs));
        if (CertificatePath is null)
        {
            return WithSegments(ActorSystem.Create(name, setup), null);
        }
        var certificate = LoadCertificate();
        var pinned = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var tls = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            customValidator: (peerCertificate, _, peer, _, log) =>
            {
                if (peerCertificate?.GetCertHashString(HashAlgorithmName.SHA256) == pinned)
                {
                    return true;
                }
                log?.Warning("ActorParallel refused {0}: it did not present this cluster's certificate ({1}).",
                    peer ?? "a peer", peerCertificate is null ? "no certificate" : $"certificate {peerCertificate.Subject}");
                return false;
            });
        return WithSegments(ActorSystem.Create(name, setup.And(tls)), certificate);
    }

    /// <summary>
    /// The <c>akka.loglevel</c> that lets through what <paramref name="logs"/> takes of Akka's. (Without a
    /// factory the HOCON's WARNING stands, and the configuration has one layer less to look through.)
    /// </summary>
    private static Config LogLevel(ILoggerFactory logs) => AkkaConfig.Settings(("akka.loglevel", ProcessLogs.AkkaLevel(logs)));

    /// <summary>
    /// The system, ready to send and receive messages larger than a frame (<see cref="Protocol.WireSegments"/>),
    /// over bulk links on its remoting address with its certificate (<see cref="Protocol.BulkLinks"/>).
    /// </summary>
    private ActorSystem WithSegments(ActorSystem system, X509Certificate2? certificate)
    {
        var extended = (ExtendedActorSystem)system;
        var segments = Protocol.WireSegments.Get(system);
        if (BulkLinks)
        {
            segments.UseBulkLinks(new Protocol.BulkLinks(extended, Hostname, PublicHostname ?? extended.Provider.DefaultAddress.Host ?? Hostname, certificate));
        }
        return system;
    }

    /// <summary>
    /// The transport for the worker processes this node launches: the same address (so peers that
    /// reach this node reach its workers) and certificate, each on a port of its own.
    /// </summary>
    public NodeTransport ForWorkers() => this with { Port = 0 };

    /// <summary>Writes this transport into a child's environment.</summary>
    public void ApplyTo(System.Diagnostics.ProcessStartInfo startInfo)
    {
        startInfo.Environment[HostnameVariable] = Hostname;
        startInfo.Environment[PublicHostnameVariable] = PublicHostname ?? string.Empty;
        startInfo.Environment[CertificateVariable] = CertificatePath ?? string.Empty;
        startInfo.Environment[PasswordVariable] = CertificatePassword ?? string.Empty;
        startInfo.Environment[BulkLinksVariable] = BulkLinks ? string.Empty : "0";
    }

    /// <summary>Reads (and clears) the transport a launching node wrote with <see cref="ApplyTo"/>.</summary>
    public static NodeTransport TakeFromCurrentProcess()
    {
        string? Take(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
            return string.IsNullOrEmpty(value) ? null : value;
        }
        var hostname = Take(HostnameVariable) ?? Loopback.Hostname;
        return new NodeTransport(hostname, Take(PublicHostnameVariable), 0, Take(CertificateVariable), Take(PasswordVariable)) { BulkLinks = Take(BulkLinksVariable) != "0" };
    }

    private X509Certificate2 LoadCertificate() =>
        X509CertificateLoader.LoadPkcs12FromFile(CertificatePath!, CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);

    /// <summary>Binding and TLS over the HOCON files, each value quoted (no HOCON text is spliced in).</summary>
    private Config Overrides()
    {
        const string tcp = "akka.remote.dot-netty.tcp.";
        var settings = new List<(string, object)>
        {
            (tcp + "hostname", Hostname),
            (tcp + "port", Port),
            (tcp + "enable-ssl", CertificatePath is not null),
        };
        if (PublicHostname is not null)
        {
            settings.Add((tcp + "public-hostname", PublicHostname));
        }
        return AkkaConfig.Settings([.. settings]);
    }
}

/// <summary>How a caller names the transport settings in its errors (option names, or command-line flags).</summary>
internal sealed record SettingNames(string Hostname, string Port, string Certificate, string CreateCertificate)
{
    /// <summary>As <see cref="ParallelRuntimeOptions"/> names them.</summary>
    public static SettingNames Options { get; } = new(nameof(ParallelRuntimeOptions.Hostname), nameof(ParallelRuntimeOptions.Port), nameof(ParallelRuntimeOptions.CertificatePath), "ClusterCertificate.CreateFile");
}
