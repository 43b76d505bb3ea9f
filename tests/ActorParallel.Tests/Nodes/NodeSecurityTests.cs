using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Nodes;

/// <summary>
/// Binding beyond loopback needs the cluster's certificate; with it, every connection is mutual TLS
/// pinned to that certificate, so a node without it cannot join, however it tries.
/// </summary>
public sealed class NodeSecurityTests : RuntimeFixture
{
    private const string Password = "correct horse";

    [Fact]
    public void Driver_BindingBeyondLoopbackWithoutACertificate_IsRefusedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => ParallelRuntime.Create(new ParallelRuntimeOptions { Hostname = "192.0.2.7" }));

        Assert.Contains("Hostname 192.0.2.7 is reachable beyond this machine, which needs CertificatePath", error.Message);
    }

    [Fact]
    public void Driver_WithACertificateThatIsNotOne_IsRefusedNamingTheFile()
    {
        var path = ScratchFile("not-a-certificate.pfx");
        File.WriteAllText(path, "hello");

        var error = Assert.Throws<ArgumentException>(() => ParallelRuntime.Create(new ParallelRuntimeOptions { CertificatePath = path }));

        Assert.Contains($"CertificatePath '{path}' cannot be read as a PKCS#12 certificate", error.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void ClusterCertificate_IsReadableByItsOwnerOnly_AndNewEachTime()
    {
        var first = ClusterCertificate.CreateFile(ScratchFile("a.pfx"), Password);
        var second = ClusterCertificate.CreateFile(ScratchFile("b.pfx"), Password);

        Assert.NotEqual(first, second);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ScratchFile("a.pfx")));
    }

    [Fact]
    public async Task TlsDriver_RunsItsPool_AcceptsANodeWithItsCertificate_AndRefusesNodesWithoutIt()
    {
        var certificate = ScratchFile("cluster.pfx");
        var foreign = ScratchFile("foreign.pfx");
        ClusterCertificate.CreateFile(certificate, Password);
        ClusterCertificate.CreateFile(foreign, Password);
        var password = new Dictionary<string, string> { ["ACTORPARALLEL_CERTIFICATE_PASSWORD"] = Password };
        await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions { SystemName = "tls", CertificatePath = certificate, CertificatePassword = Password });
        var seed = await driver.AcceptHostNodesAsync().WaitAsync(Bound);

        // Three nodes try: one with another certificate, one with none, one with the cluster's.
        using var withForeign = ChildProgram.WithEnvironment(password, "ActorParallel.Host", "--seed", seed, "--system-name", "tls", "--certificate", foreign, "--join-timeout", "8");
        using var withNone = new ChildProgram("ActorParallel.Host", "--seed", seed, "--system-name", "tls", "--join-timeout", "8");
        using var member = ChildProgram.WithEnvironment(password, "ActorParallel.Host", "--seed", seed, "--system-name", "tls", "--certificate", certificate, "--role", "trusted");
        await member.WaitForLine("ActorParallel.Host up at", Bound);
        await driver.WaitForHostNodesAsync(1, Bound);
        await using var local = driver.CreatePool(new PoolOptions { Processes = 1 });
        await using var remote = driver.CreatePool(new PoolOptions { Processes = 0, HostNodeRole = "trusted" });
        var localSquares = await local.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100)).WaitAsync(Bound);
        var remotePids = await remote.MapAsync(PoolTargets.Pid, Enumerable.Range(0, 10)).WaitAsync(Bound);
        remotePids.Distinct().ToList().ForEach(member.Track);

        Assert.StartsWith("akka.ssl.tcp://tls@127.0.0.1:", seed);
        Assert.Equal(Enumerable.Range(0, 100).Select(PoolTargets.Square), localSquares);
        Assert.All(remotePids, pid => Assert.Equal(member.Pid, OsProcesses.ParentOf(pid)));
        Assert.Equal(1, await withForeign.WaitForExit(Bound));
        Assert.Equal(1, await withNone.WaitForExit(Bound));
        Assert.Contains(withForeign.Lines, line => line.Contains("could not join the cluster"));
        Assert.Single(await driver.WaitForHostNodesAsync(1, Bound));
    }
}
