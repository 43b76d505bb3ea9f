using System.Diagnostics;

namespace ActorParallel.Samples;

/// <summary>
/// Remote worker nodes, on one machine: a driver and two <c>ActorParallel.Host</c> nodes that join
/// its cluster, every connection mutual TLS with a certificate made for this run. A pool runs one
/// worker here and one on each node; the map's results come back in order, whichever machine ran them.
/// On real machines the only differences are the addresses (<c>--hostname</c>, <see cref="ParallelRuntimeOptions.Hostname"/>)
/// and copying the certificate to each node.
/// </summary>
internal static class RemoteNodesSample
{
    private const string Password = "sample-password";

    public static async Task RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("actorparallel-remote-nodes-").FullName;
        var certificate = Path.Combine(folder, "cluster.pfx");
        ClusterCertificate.CreateFile(certificate, Password);
        var nodes = new List<Process>();
        try
        {
            await using var driver = ParallelRuntime.Create(new ParallelRuntimeOptions { CertificatePath = certificate, CertificatePassword = Password });
            var seed = await driver.AcceptHostNodesAsync();
            Console.WriteLine($"driver: {seed}");

            // What you would run on each worker machine (there with --hostname <its address>).
            for (var i = 0; i < 2; i++)
            {
                nodes.Add(StartNode(seed, certificate));
            }
            var up = await driver.WaitForHostNodesAsync(2, TimeSpan.FromSeconds(60));
            Console.WriteLine($"nodes: {string.Join(", ", up)}");

            await using var pool = driver.CreatePool(new PoolOptions { Processes = 1, HostNodeRole = ParallelRuntime.HostNodeRole, ProcessesPerHostNode = 1 });
            // A map starts at once on the workers that are ready; waiting here lets the nodes' workers
            // (launched, then connected over TLS) take part from the first item.
            await pool.WaitForWorkersAsync();
            var squares = await pool.MapAsync(Square, Enumerable.Range(0, 1_000));
            // A closure travels too: each worker says whose child it is.
            var driverPid = Environment.ProcessId;
            var whose = await pool.MapAsync(_ => ParentPid() == driverPid ? $"{Environment.ProcessId} (driver's)" : $"{Environment.ProcessId} (node {ParentPid()}'s)", Enumerable.Range(0, 60), chunkSize: 1);
            Console.WriteLine($"workers: {pool.Processes}; these ran items: {string.Join(", ", whose.Distinct().Order())}");
            Console.WriteLine($"squares of 0..999: sum={squares.Sum(x => (long)x)}");

            // SIGTERM (or Ctrl-C): a node leaves the cluster, then exits with its workers.
            foreach (var node in nodes)
            {
                Process.Start("kill", ["-TERM", $"{node.Id}"]).WaitForExit();
            }
            var codes = nodes.Select(node => node.WaitForExit(TimeSpan.FromSeconds(30)) ? $"{node.ExitCode}" : "still running");
            Console.WriteLine($"node exit codes: {string.Join(", ", codes)}");
        }
        finally
        {
            nodes.ForEach(node => node.Kill(entireProcessTree: true));
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Process StartNode(string seed, string certificate)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "ActorParallel.Host");
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--seed", seed, "--certificate", certificate, "--assembly", typeof(RemoteNodesSample).Assembly.Location })
        {
            start.ArgumentList.Add(argument);
        }
        // The password never goes on a command line, which every user of the machine can read.
        start.Environment["ACTORPARALLEL_CERTIFICATE_PASSWORD"] = Password;
        var node = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        node.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                Console.WriteLine($"node {node.Id}: {text}");
            }
        };
        node.BeginOutputReadLine();
        return node;
    }

    private static int Square(int x) => x * x;

    /// <summary>This process's parent, from /proc (Linux).</summary>
    private static int ParentPid()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
