using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ActorParallel.Host;

/// <summary>
/// The Host's command line (System.CommandLine): <c>ActorParallel.Host --seed ADDRESS [options]</c>
/// runs a node, <c>ActorParallel.Host --create-certificate PATH</c> writes a cluster certificate.
/// Every error names its flag and value, goes to stderr and exits <see cref="HostNode.BadCommandLine"/>.
/// </summary>
internal sealed class HostCommandLine
{
    /// <summary>Where the password of <c>--certificate</c> is read from (never the command line, which others can see).</summary>
    public const string PasswordVariable = "ACTORPARALLEL_CERTIFICATE_PASSWORD";

    private static readonly ParallelRuntimeOptions Defaults = new();

    private readonly Option<string?> _createCertificate = new("--create-certificate")
    {
        HelpName = "PATH",
        Description = $"Write a new cluster certificate (password from ${PasswordVariable}) and exit; takes no other option.",
    };

    private readonly Option<string[]> _seeds = new("--seed")
    {
        HelpName = "ADDRESS",
        Description = "A cluster member to join through, e.g. akka.tcp://actorparallel@127.0.0.1:4053 (a driver prints " +
            "its own from ParallelRuntime.AcceptHostNodesAsync()); repeatable, required unless --create-certificate.",
    };

    private readonly Option<string> _hostname = new("--hostname")
    {
        HelpName = "HOST",
        Description = "Address to bind; any other than loopback needs --certificate.",
        DefaultValueFactory = _ => Defaults.Hostname,
    };

    private readonly Option<int> _port = new("--port")
    {
        HelpName = "PORT",
        Description = "Port to bind (0: the OS chooses).",
        DefaultValueFactory = _ => Defaults.Port,
        CustomParser = result => WholeNumber(result, 0, 65535, "is not a port number (0-65535)"),
    };

    private readonly Option<string?> _publicHostname = new("--public-hostname")
    {
        HelpName = "HOST",
        Description = "Address other nodes use to reach this one, when it differs (NAT).",
    };

    private readonly Option<string?> _certificate = new("--certificate")
    {
        HelpName = "PATH",
        Description = "The cluster's certificate (PKCS#12, from --create-certificate); all traffic is then mutual TLS and only " +
            $"peers with this same certificate are accepted. Its password, if any, is read from ${PasswordVariable}.",
    };

    private readonly Option<int> _workers = new("--workers")
    {
        HelpName = "N",
        Description = "Worker processes this node runs for each pool that uses it (default: this machine's processor count).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
        CustomParser = result => WholeNumber(result, 1, int.MaxValue, "is not a whole number of processes (at least 1)"),
    };

    private readonly Option<string[]> _roles = new("--role")
    {
        HelpName = "ROLE",
        Description = $"An extra cluster role; every node has \"{ParallelRuntime.HostNodeRole}\"; repeatable.",
    };

    private readonly Option<string[]> _assemblies = new("--assembly")
    {
        HelpName = "PATH",
        Description = "An assembly with your code, for the node's workers to load; repeatable.",
    };

    private readonly Option<string> _systemName = new("--system-name")
    {
        HelpName = "NAME",
        Description = "The driver's ActorSystem name.",
        DefaultValueFactory = _ => Defaults.SystemName,
    };

    private readonly Option<int> _joinTimeout = new("--join-timeout")
    {
        HelpName = "SECONDS",
        Description = $"Give up (exit {HostNode.CouldNotJoin}) if the cluster cannot be joined within this long.",
        DefaultValueFactory = _ => (int)ParallelRuntime.DefaultHostNodeJoinTimeout.TotalSeconds,
        CustomParser = result => WholeNumber(result, 1, int.MaxValue, "is not a whole number of seconds (at least 1)"),
    };

    private readonly RootCommand _command;

    private HostCommandLine()
    {
        _command = new RootCommand(
            "ActorParallel.Host: a worker node that joins an ActorParallel driver's cluster.\n\n" +
            "  ActorParallel.Host --seed ADDRESS [--seed ADDRESS]... [options]   run a node until SIGTERM or Ctrl-C\n" +
            "  ActorParallel.Host --create-certificate PATH                      write the cluster's certificate\n\n" +
            $"Exit codes: {HostNode.Left} left on SIGTERM or Ctrl-C (leaving the cluster first); {HostNode.CouldNotJoin} could not join; " +
            $"{HostNode.BadCommandLine} bad command line; {HostNode.Removed} removed from the cluster (its driver is gone or cut it off). " +
            "The node's worker processes end with it.")
        {
            _createCertificate, _seeds, _hostname, _port, _publicHostname, _certificate, _workers, _roles, _assemblies, _systemName, _joinTimeout,
        };
        _seeds.Validators.Add(result => EachValue(result, seed =>
            Uri.TryCreate(seed, UriKind.Absolute, out var address) && address.Scheme.StartsWith("akka", StringComparison.Ordinal) && address.Port > 0
                ? null
                : "is not an Akka address like akka.tcp://actorparallel@127.0.0.1:4053"));
        _certificate.Validators.Add(result => EachValue(result, path => File.Exists(path) ? null : "does not exist"));
        _assemblies.Validators.Add(result => EachValue(result, path => File.Exists(path) ? null : "does not exist"));
        _command.Validators.Add(ValidateMode);
        _command.SetAction(RunAsync);
    }

    /// <summary>Parses <paramref name="args"/> and does what they ask: help, a certificate, or a node until it ends.</summary>
    /// <returns>The exit code (see <see cref="HostNode"/>).</returns>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args)
    {
        // "@file" is a seed or a path here, never a response file.
        var parsed = new HostCommandLine()._command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"ActorParallel.Host: {error.Message}").ConfigureAwait(false);
            }
            await Console.Error.WriteLineAsync("Run ActorParallel.Host --help for the options.").ConfigureAwait(false);
            return HostNode.BadCommandLine;
        }
        // The node handles SIGTERM and Ctrl-C itself (it leaves the cluster first), and an exception escapes as a crash, not as an exit code of ours.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var passwordValue = Environment.GetEnvironmentVariable(PasswordVariable);
        var password = string.IsNullOrEmpty(passwordValue) ? null : passwordValue;
        if (parsed.GetValue(_createCertificate) is { } certificatePath)
        {
            var thumbprint = ClusterCertificate.CreateFile(certificatePath, password);
            Console.WriteLine($"Wrote {Path.GetFullPath(certificatePath)} (SHA-256 {thumbprint}). Copy it to every node of the cluster, and to nobody else.");
            return HostNode.Left;
        }
        var options = new HostNodeOptions(
            Seeds: parsed.GetValue(_seeds) ?? [],
            Hostname: parsed.GetRequiredValue(_hostname),
            Port: parsed.GetValue(_port),
            PublicHostname: parsed.GetValue(_publicHostname),
            Roles: parsed.GetValue(_roles) ?? [],
            Assemblies: [.. (parsed.GetValue(_assemblies) ?? []).Select(Path.GetFullPath)],
            SystemName: parsed.GetRequiredValue(_systemName),
            JoinTimeout: TimeSpan.FromSeconds(parsed.GetValue(_joinTimeout)),
            Workers: parsed.GetValue(_workers),
            CertificatePath: parsed.GetValue(_certificate) is { } certificate ? Path.GetFullPath(certificate) : null,
            CertificatePassword: password);
        return await HostNode.RunAsync(options).ConfigureAwait(false);
    }

    /// <summary>A node needs <c>--seed</c>; <c>--create-certificate</c> stands alone.</summary>
    private void ValidateMode(CommandResult result)
    {
        if (result.GetResult(_createCertificate) is { Implicit: false })
        {
            var others = _command.Options.Where(option => option != _createCertificate && result.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
            if (others.Count > 0)
            {
                result.AddError($"--create-certificate takes no other option (was given {string.Join(", ", others)}).");
            }
        }
        else if (result.GetResult(_seeds) is null)
        {
            result.AddError("--seed is required: the address of the driver (or another member) to join.");
        }
    }

    /// <summary>Checks each value of a (repeatable) option; <paramref name="problem"/> says what is wrong with one, or <see langword="null"/>.</summary>
    private static void EachValue(OptionResult result, Func<string, string?> problem)
    {
        foreach (var token in result.Tokens)
        {
            if (problem(token.Value) is { } found)
            {
                result.AddError($"{result.Option.Name} '{token.Value}' {found}.");
            }
        }
    }

    /// <summary>An option's one value as a whole number in [<paramref name="min"/>, <paramref name="max"/>]; else an error naming the flag and value.</summary>
    private static int WholeNumber(ArgumentResult result, int min, int max, string problem)
    {
        if (result.Tokens is not [{ Value: var value }])
        {
            return default;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }
        var flag = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{flag} '{value}' {problem}.");
        return default;
    }
}
