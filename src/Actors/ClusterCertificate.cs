using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;

namespace ActorParallel;

/// <summary>
/// The certificate that lets ActorParallel nodes bind beyond loopback. Every node of a cluster (the
/// driver, each Host node, and every worker process they start) uses the same certificate for mutual
/// TLS and accepts only peers that present it: whoever holds the file is in, nobody else can connect,
/// join or deploy. Make one per run (or per deployment) and copy it to the nodes over a channel you
/// trust, as you would an SSH key.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>
    /// Writes a new self-signed certificate with its private key to <paramref name="path"/> (PKCS#12,
    /// readable by the owner only), for <see cref="ParallelRuntimeOptions.CertificatePath"/> and the
    /// Host's <c>--certificate</c>.
    /// </summary>
    /// <param name="path">The file to write; it is replaced if it exists.</param>
    /// <param name="password">A password for the file, or <see langword="null"/> for none.</param>
    /// <param name="validFor">How long the certificate is valid; 30 days when <see langword="null"/>.</param>
    /// <returns>The certificate's SHA-256 thumbprint, which peers are pinned to.</returns>
    public static string CreateFile(string path, string? password = null, TimeSpan? validFor = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var lifetime = validFor ?? TimeSpan.FromDays(30);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero, nameof(validFor));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=actorparallel-cluster-{Guid.NewGuid():N}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Both ends of every connection present it: it serves as server and as client certificate.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + lifetime);
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(path, options))
        {
            file.Write(bytes);
        }
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }
}
