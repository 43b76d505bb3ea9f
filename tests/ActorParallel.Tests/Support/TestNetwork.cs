using System.Diagnostics;

namespace ActorParallel.Tests.Support;

/// <summary>
/// Hosts on one machine for tests of Host nodes: a bridge in this namespace (the driver binds its
/// address) and one network namespace per host, joined to it by a veth pair, all in 198.18.0.0/15
/// (the range set aside for network tests) and made by this test run. Where namespaces cannot be made
/// (not root, no iproute2), every host is this machine's loopback and a cut-off is a SIGSTOP of the
/// node instead of a link going down. Disposing kills whatever runs in the namespaces and removes them.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    private static readonly Lazy<bool> s_namespacesAvailable = new(ProbeNamespaces);
    private static int s_lastNetwork;

    private readonly int _subnet;
    private readonly List<ChildProgram> _nodes = [];
    private readonly Dictionary<int, ChildProgram> _stoppedNodes = [];

    private TestNetwork(int hosts, bool namespaces)
    {
        UsesNamespaces = namespaces;
        _subnet = ((Environment.ProcessId + Interlocked.Increment(ref s_lastNetwork)) % 200) + 40;
        HostCount = hosts;
        if (!namespaces)
        {
            DriverAddress = "127.0.0.1";
            return;
        }
        DriverAddress = $"198.18.{_subnet}.1";
        RemoveNetworksOfDeadRuns();
        RemoveLeftovers();
        Ip($"link add {Bridge} type bridge");
        Ip($"addr add {DriverAddress}/24 dev {Bridge}");
        Ip($"link set {Bridge} up");
        for (var i = 0; i < hosts; i++)
        {
            Ip($"netns add {Namespace(i)}");
            Ip($"link add {HostSide(i)} type veth peer name {NodeSide(i)}");
            Ip($"link set {NodeSide(i)} netns {Namespace(i)}");
            Ip($"link set {HostSide(i)} master {Bridge}");
            Ip($"link set {HostSide(i)} up");
            Ip($"netns exec {Namespace(i)} ip addr add {HostAddress(i)}/24 dev {NodeSide(i)}");
            Ip($"netns exec {Namespace(i)} ip link set {NodeSide(i)} up");
            Ip($"netns exec {Namespace(i)} ip link set lo up");
        }
    }

    /// <summary>Whether hosts are network namespaces (else loopback stands in for them).</summary>
    public bool UsesNamespaces { get; }

    /// <summary>The address the driver binds: the bridge's.</summary>
    public string DriverAddress { get; }

    public int HostCount { get; }

    private string Bridge => $"apbr{_subnet}";

    /// <summary>Makes a network of <paramref name="hosts"/> hosts.</summary>
    public static TestNetwork Create(int hosts) => new(hosts, s_namespacesAvailable.Value);

    /// <summary>The address of host <paramref name="index"/>.</summary>
    public string HostAddress(int index) => UsesNamespaces ? $"198.18.{_subnet}.{10 + index}" : "127.0.0.1";

    /// <summary>Starts <c>ActorParallel.Host</c> on host <paramref name="index"/>, bound to its address.</summary>
    public ChildProgram StartNode(int index, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        string[] all = [.. arguments, "--hostname", HostAddress(index)];
        var node = UsesNamespaces
            ? ChildProgram.InNamespace(Namespace(index), environment, "ActorParallel.Host", all)
            : ChildProgram.WithEnvironment(environment, "ActorParallel.Host", all);
        lock (_nodes)
        {
            _nodes.Add(node);
        }
        return node;
    }

    /// <summary>
    /// Cuts host <paramref name="index"/> off: its link goes down (or, on loopback, its node and the
    /// node's workers are stopped). Nothing reaches it and nothing leaves it; its processes live on.
    /// </summary>
    public void CutOff(int index, ChildProgram node)
    {
        if (UsesNamespaces)
        {
            Ip($"link set {HostSide(index)} down");
            return;
        }
        _stoppedNodes[index] = node;
        foreach (var pid in OsProcesses.ChildrenOf(node.Pid).Prepend(node.Pid))
        {
            OsProcesses.Signal(pid, 19);
        }
    }

    /// <summary>Undoes <see cref="CutOff"/>.</summary>
    public void Reconnect(int index)
    {
        if (UsesNamespaces)
        {
            Ip($"link set {HostSide(index)} up");
            return;
        }
        if (_stoppedNodes.Remove(index, out var node))
        {
            foreach (var pid in OsProcesses.ChildrenOf(node.Pid).Prepend(node.Pid))
            {
                OsProcesses.Signal(pid, 18);
            }
        }
    }

    public void Dispose()
    {
        foreach (var index in _stoppedNodes.Keys.ToList())
        {
            Reconnect(index);
        }
        lock (_nodes)
        {
            _nodes.ForEach(node => node.Dispose());
        }
        if (UsesNamespaces)
        {
            RemoveLeftovers();
        }
    }

    /// <summary>Named after the test process that owns it, so that a later run can tell an abandoned one.</summary>
    private string Namespace(int index) => $"ap-{Environment.ProcessId}-{_subnet}-{index}";

    private string HostSide(int index) => $"ap{_subnet}h{index}";

    private string NodeSide(int index) => $"ap{_subnet}n{index}";

    /// <summary>Kills what runs in this network's namespaces and removes them and the bridge (also a crashed run's).</summary>
    private void RemoveLeftovers()
    {
        for (var i = 0; i < HostCount; i++)
        {
            var (pids, listed) = Run("ip", $"netns pids {Namespace(i)}");
            var lines = listed == 0 ? pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            foreach (var line in lines)
            {
                if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                {
                    OsProcesses.KillQuietly(pid);
                }
            }
            Run("ip", $"netns del {Namespace(i)}");
        }
        Run("ip", $"link del {Bridge}");
    }

    /// <summary>
    /// Removes the namespaces (and bridges) that test processes which no longer exist left behind: a
    /// run that was killed cannot clean up after itself.
    /// </summary>
    private static void RemoveNetworksOfDeadRuns()
    {
        var (list, listed) = Run("ip", "netns list");
        if (listed != 0)
        {
            return;
        }
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            var parts = name.Split('-');
            if (parts is ["ap", var owner, var subnet, _] && int.TryParse(owner, out var pid) && !OsProcesses.IsAlive(pid))
            {
                Run("ip", $"netns del {name}");
                Run("ip", $"link del apbr{subnet}");
            }
        }
    }

    private static void Ip(string arguments)
    {
        var (output, exitCode) = Run("ip", arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments} failed ({exitCode}): {output}");
        }
    }

    private static (string Output, int ExitCode) Run(string fileName, string arguments)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill();
            return ("timed out", -1);
        }
        return (output.Result + error.Result, process.ExitCode);
    }

    private static bool ProbeNamespaces()
    {
        // To exercise the loopback stand-in where namespaces would work.
        if (Environment.GetEnvironmentVariable("ACTORPARALLEL_TESTS_LOOPBACK_HOSTS") == "1")
        {
            return false;
        }
        try
        {
            var probe = $"ap-probe-{Environment.ProcessId}";
            var (_, added) = Run("ip", $"netns add {probe}");
            Run("ip", $"netns del {probe}");
            return added == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
