using System.Globalization;
using ActorParallel.Configuration;

namespace ActorParallel.Host;

/// <summary>The Host node's command line: <c>ActorParallel.Host --seed ADDRESS [options]</c>.</summary>
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
    /// <summary>Where the password of <c>--certificate</c> is read from (never the command line, which others can see).</summary>
    public const string PasswordVariable = "ACTORPARALLEL_CERTIFICATE_PASSWORD";

    public const string Usage =
        """
        ActorParallel.Host: a worker node that joins an ActorParallel driver's cluster.

        usage: ActorParallel.Host --seed ADDRESS [--seed ADDRESS]... [options]
               ActorParallel.Host --create-certificate PATH

          --create-certificate PATH  write a new cluster certificate (password from $ACTORPARALLEL_CERTIFICATE_PASSWORD) and exit

          --seed ADDRESS          a cluster member to join through, e.g. akka.tcp://actorparallel@127.0.0.1:4053
                                  (a driver prints its own from ParallelRuntime.AcceptHostNodesAsync()); repeatable
          --hostname HOST         address to bind (default 127.0.0.1); any other address needs --certificate
          --port PORT             port to bind (default 0: the OS chooses)
          --public-hostname HOST  address other nodes use to reach this one, when it differs (NAT)
          --certificate PATH      the cluster's certificate (PKCS#12, from --create-certificate); all
                                  traffic is then mutual TLS and only peers with this same certificate are accepted.
                                  Its password, if any, is read from $ACTORPARALLEL_CERTIFICATE_PASSWORD
          --workers N             worker processes this node runs for each pool that uses it (default: its processors)
          --role ROLE             an extra cluster role; every node has "actorparallel-host"; repeatable
          --assembly PATH         an assembly with your code, for the node's workers to load; repeatable
          --system-name NAME      the driver's ActorSystem name (default actorparallel)
          --join-timeout SECONDS  give up (exit 1) if the cluster cannot be joined within this long (default 60)
          --help                  this text

        Exit codes: 0 left on SIGTERM or Ctrl-C (leaving the cluster first); 1 could not join; 2 bad
        command line; 3 removed from the cluster (its driver is gone or cut it off). The node's worker
        processes end with it.
        """;

    /// <summary>Parses <paramref name="args"/>; the error names the option at fault.</summary>
    public static (HostNodeOptions? Options, string? Error, bool Help) Parse(IReadOnlyList<string> args)
    {
        var seeds = new List<string>();
        var roles = new List<string>();
        var assemblies = new List<string>();
        string hostname = "127.0.0.1", systemName = "actorparallel";
        string? publicHostname = null, certificate = null;
        var port = 0;
        var joinTimeout = Timeouts.HostNodeJoin;
        var workers = Environment.ProcessorCount;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return (null, null, true);
            }
            if (i + 1 >= args.Count || !name.StartsWith("--", StringComparison.Ordinal))
            {
                return (null, name.StartsWith("--", StringComparison.Ordinal) ? $"{name} needs a value." : $"Unexpected argument '{name}'.", false);
            }
            var value = args[++i];
            switch (name)
            {
                case "--seed":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var seed) || !seed.Scheme.StartsWith("akka", StringComparison.Ordinal) || seed.Port <= 0)
                    {
                        return (null, $"--seed '{value}' is not an Akka address like akka.tcp://actorparallel@127.0.0.1:4053.", false);
                    }
                    seeds.Add(value);
                    break;
                case "--hostname": hostname = value; break;
                case "--public-hostname": publicHostname = value; break;
                case "--port":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        return (null, $"--port '{value}' is not a port number (0-65535).", false);
                    }
                    break;
                case "--role": roles.Add(value); break;
                case "--workers":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out workers) || workers < 1)
                    {
                        return (null, $"--workers '{value}' is not a whole number of processes (at least 1).", false);
                    }
                    break;
                case "--certificate":
                    if (!File.Exists(value))
                    {
                        return (null, $"--certificate '{value}' does not exist.", false);
                    }
                    certificate = Path.GetFullPath(value);
                    break;
                case "--assembly":
                    if (!File.Exists(value))
                    {
                        return (null, $"--assembly '{value}' does not exist.", false);
                    }
                    assemblies.Add(Path.GetFullPath(value));
                    break;
                case "--system-name": systemName = value; break;
                case "--join-timeout":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
                    {
                        return (null, $"--join-timeout '{value}' is not a whole number of seconds (at least 1).", false);
                    }
                    joinTimeout = TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    return (null, $"Unknown option {name}; see --help.", false);
            }
        }
        if (seeds.Count == 0)
        {
            return (null, "--seed is required: the address of the driver (or another member) to join.", false);
        }
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        var transport = new NodeTransport(hostname, publicHostname, port, certificate, string.IsNullOrEmpty(password) ? null : password);
        if (transport.Problems(new SettingNames("--hostname", "--port", "--certificate", "ActorParallel.Host --create-certificate PATH")).Select(found => found.Problem).FirstOrDefault() is { } problem)
        {
            return (null, problem, false);
        }
        return (new HostNodeOptions(seeds, hostname, port, publicHostname, roles, assemblies, systemName, joinTimeout, workers, transport.CertificatePath, transport.CertificatePassword), null, false);
    }
}
