using System.Net.Sockets;
using ActorParallel.Configuration;
using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using AkkaCluster = Akka.Cluster.Cluster;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Workers;

/// <summary>
/// On a Host node: ends the node at once when its driver's process is gone. The split-brain resolver
/// would get there too, but only after the failure detector and its stable-after (about 12 s); a node
/// and its workers outliving a SIGKILLed driver that long is an orphan by another name. When the
/// connection to the driver drops or fails (a killed process's connections are closed by its
/// kernel), or the driver turns unreachable, this
/// asks the driver's machine for a TCP connection: a refusal means nothing listens on the driver's
/// port any more, so the driver is dead, not merely slow or cut off (those are left to the
/// resolver), and the node downs itself. (A driver that is alive but unreachable for a moment sees
/// the probe as a connection that closed before its TLS handshake, and logs it; a driver leaving the
/// cluster on purpose is not probed.)
/// </summary>
internal sealed class DriverWatch : UntypedActor
{
    private static readonly TimeSpan ProbeTimeout = Timeouts.DriverProbe;

    private readonly ILogger _log = ActorParallelLogging.Get(Context.System).CreateLogger(LogCategories.Nodes);
    private readonly Dictionary<Address, Member> _members = [];
    private Address? _driver;
    private bool _probing;

    /// <summary>The driver is leaving the cluster on purpose: its connections close as it goes, and a probe would only be noise in its log.</summary>
    private bool _driverLeaving;

    public static Props Props() => Akka.Actor.Props.Create(() => new DriverWatch());

    protected override void PreStart()
    {
        AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberLeft), typeof(ClusterEvent.MemberExited),
            typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.UnreachableMember));
        // A connection to a killed process ends either way, closed or failed.
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Context.System.EventStream.Subscribe(Self, typeof(AssociationErrorEvent));
    }

    protected override void PostStop()
    {
        AkkaCluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up:
                // From the events themselves: the cluster's state view can lag behind them.
                _members[up.Member.Address] = up.Member;
                _driver = _members.Values.Aggregate((Member?)null, (oldest, m) => oldest is null || m.IsOlderThan(oldest) ? m : oldest)?.Address;
                break;
            case ClusterEvent.MemberLeft left when left.Member.Address.Equals(_driver):
                _driverLeaving = true;
                break;
            case ClusterEvent.MemberExited exited when exited.Member.Address.Equals(_driver):
                _driverLeaving = true;
                break;
            case ClusterEvent.MemberRemoved removed:
                _members.Remove(removed.Member.Address);
                break;
            case DisassociatedEvent gone when gone.RemoteAddress.Equals(_driver):
                Probe();
                break;
            case AssociationErrorEvent failed when failed.RemoteAddress.Equals(_driver):
                Probe();
                break;
            case ClusterEvent.UnreachableMember unreachable when unreachable.Member.Address.Equals(_driver):
                Probe();
                break;
            case ProbeResult { Refused: true } result when result.Driver.Equals(_driver):
                // Information: a node that outlives its driver has nothing left to do, and says so on its console when it stops.
                _log.LogInformation("ActorParallel Host node: the driver at {Driver} is gone (its port refuses connections); this node stops with its workers.", result.Driver);
                AkkaCluster.Get(Context.System).Down(AkkaCluster.Get(Context.System).SelfAddress);
                break;
            case ProbeResult:
                _probing = false;
                break;
        }
    }

    private void Probe()
    {
        if (_probing || _driverLeaving || _driver is not { Host: { } host, Port: { } port } driver)
        {
            return;
        }
        _probing = true;
        IsRefused(host, port).PipeTo(Self, success: refused => new ProbeResult(driver, refused), failure: _ => new ProbeResult(driver, false));
    }

    /// <summary>Whether a TCP connection to the driver's endpoint is actively refused (a timeout or anything else is not proof).</summary>
    private static async Task<bool> IsRefused(string host, int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            return false;
        }
        catch (SocketException error)
        {
            return error.SocketErrorCode == SocketError.ConnectionRefused;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record ProbeResult(Address Driver, bool Refused);
}
