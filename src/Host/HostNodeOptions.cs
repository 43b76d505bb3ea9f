namespace ActorParallel.Host;

/// <summary>What the Host node's command line asked for (see <see cref="HostCommandLine"/>), each value checked.</summary>
internal sealed record HostNodeOptions(
    IReadOnlyList<string> Seeds,
    string Hostname,
    int Port,
    string? PublicHostname,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Assemblies,
    string SystemName,
    TimeSpan JoinTimeout,
    int Workers,
    string? CertificatePath,
    string? CertificatePassword)
{
    /// <summary>
    /// What is wrong, in the command line's words, when <see cref="ParallelRuntime.CreateHostNode"/>
    /// refused these options: <see cref="ArgumentException.ParamName"/> names the option at fault,
    /// and this names its flag (the library's own message names <see cref="ParallelRuntimeOptions"/>' properties).
    /// </summary>
    public string Refusal(ArgumentException refused) => refused.ParamName switch
    {
        nameof(ParallelRuntimeOptions.Hostname) => $"--hostname '{Hostname}' is not an address to bind.",
        nameof(ParallelRuntimeOptions.Port) => $"--port '{Port}' is not a port number (0-65535).",
        nameof(ParallelRuntimeOptions.SystemName) => $"--system-name '{SystemName}' must be ASCII letters, digits, '-' or '_'.",
        nameof(ParallelRuntimeOptions.CertificatePath) when CertificatePath is null =>
            $"{BeyondLoopback()} is reachable beyond this machine, which needs --certificate: every connection is then " +
            "mutual TLS with that certificate, and a peer without it is refused. " +
            "Create one with ActorParallel.Host --create-certificate PATH, or bind 127.0.0.1.",
        nameof(ParallelRuntimeOptions.CertificatePath) =>
            $"--certificate '{CertificatePath}' is not a cluster certificate this node can use (a PKCS#12 file with its " +
            $"private key, from --create-certificate; its password, if any, in ${HostCommandLine.PasswordVariable}): {Detail(refused)}",
        _ => Detail(refused),
    };

    /// <summary>The addresses this node would be reached at, by their flags.</summary>
    private string BeyondLoopback() =>
        PublicHostname is null ? $"--hostname {Hostname}" : $"--hostname {Hostname} (--public-hostname {PublicHostname})";

    /// <summary>The library's message without the parameter note .NET appends (the flag has been named).</summary>
    private static string Detail(ArgumentException refused) =>
        refused.ParamName is null ? refused.Message : refused.Message.Replace($" (Parameter '{refused.ParamName}')", string.Empty, StringComparison.Ordinal);
}
