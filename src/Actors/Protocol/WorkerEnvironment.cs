namespace ActorParallel.Protocol;

/// <summary>
/// The contract between a driver and the worker processes it launches, carried in environment
/// variables so that the user's own command line stays untouched when their program is re-entered.
/// The driver's own address is not among them: it is written to the worker's stdin when the driver
/// adopts the process (see <c>Worker/Processes/WorkerNode</c>), so that a worker can be launched, and start
/// its ActorSystem, before the driver's ActorSystem exists or before anyone needs the worker.
/// </summary>
/// <param name="SystemName">The driver's ActorSystem name, used for the worker's system too.</param>
/// <param name="ProbeDirectories">Folders to load the user's assemblies from (the Host has none of its own).</param>
/// <param name="Transport">Where the worker listens and the certificate it proves itself with: its launching node's.</param>
/// <param name="LogLevel">
/// The lowest level the driver logs (a <c>Microsoft.Extensions.Logging.LogLevel</c>): what the worker sends it
/// (<see cref="WorkerLogLine"/>) starts there. A number, so that a worker that logs nothing never loads the
/// logging assembly (with it, three processes' start took ~15 ms more CPU).
/// </param>
/// <param name="Spare">
/// A spare process (<see cref="ParallelRuntimeOptions.SpareProcesses"/>): it warms the start of a
/// process target while it waits (<c>Worker/Processes/SpareWarmUp</c>). A worker launched for a
/// pool, or while the driver starts, does not: that would take the cores the driver's start needs.
/// </param>
internal sealed record WorkerEnvironment(string SystemName, IReadOnlyList<string> ProbeDirectories, Configuration.NodeTransport Transport, int LogLevel, bool Spare = false)
{
    public const string SystemVariable = "ACTORPARALLEL_WORKER_SYSTEM";
    public const string ProbeVariable = "ACTORPARALLEL_WORKER_PROBE";
    public const string SpareVariable = "ACTORPARALLEL_WORKER_SPARE";

    /// <summary>Writes the contract into a child's start info.</summary>
    public void ApplyTo(System.Diagnostics.ProcessStartInfo startInfo)
    {
        startInfo.Environment[SystemVariable] = SystemName;
        startInfo.Environment[ProbeVariable] = string.Join(Path.PathSeparator, ProbeDirectories);
        startInfo.Environment[WorkerLogLine.LevelVariable] = LogLevel.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Spare)
        {
            startInfo.Environment[SpareVariable] = "1";
        }
        Transport.ApplyTo(startInfo);
    }

    /// <summary>
    /// Reads the contract when this process was launched as a worker, and clears it so that
    /// programs the worker itself starts are not mistaken for workers.
    /// </summary>
    public static WorkerEnvironment? TakeFromCurrentProcess()
    {
        var system = Environment.GetEnvironmentVariable(SystemVariable);
        if (string.IsNullOrEmpty(system))
        {
            return null;
        }
        var probe = Environment.GetEnvironmentVariable(ProbeVariable) ?? string.Empty;
        var level = int.TryParse(Environment.GetEnvironmentVariable(WorkerLogLine.LevelVariable), System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : (int)Configuration.QuietConsoleLoggerFactory.MinimumLevel;
        var spare = Environment.GetEnvironmentVariable(SpareVariable) == "1";
        foreach (var name in new[] { SystemVariable, ProbeVariable, WorkerLogLine.LevelVariable, SpareVariable })
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        return new WorkerEnvironment(system, probe.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), Configuration.NodeTransport.TakeFromCurrentProcess(), level, spare);
    }
}
