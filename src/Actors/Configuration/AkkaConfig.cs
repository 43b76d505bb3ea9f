using System.Globalization;
using Akka.Configuration.Hocon;
using Akka.Configuration;

namespace ActorParallel.Configuration;

/// <summary>The HOCON that ActorParallel's ActorSystems run with, read from the embedded <c>hocon/*.conf</c>.</summary>
internal static class AkkaConfig
{
    private static readonly Lazy<Config> DriverConfig = new(() => Load("actorparallel.conf"));
    private static readonly Lazy<Config> OwnDriverConfig = new(() => Load("actorparallel-driver.conf").WithFallback(DriverConfig.Value));
    private static readonly Lazy<Config> OwnLocalConfig = new(() => Load("actorparallel-local.conf").WithFallback(OwnDriverConfig.Value));
    private static readonly Lazy<Config> WorkerConfig = new(() => Load("actorparallel-worker.conf").WithFallback(DriverConfig.Value));
    // A node's replica starts right after its system, which may already have joined: DistributedData's
    // serializer must be known from the start, or the driver's first gossip fails to deserialize (a warning).
    private static readonly Lazy<Config> NodeConfig = new(() => Load("actorparallel-node.conf").WithFallback(DriverConfig.Value).WithFallback(Akka.DistributedData.DistributedData.DefaultConfig()));

    /// <summary>The driver's configuration.</summary>
    public static Config Driver => DriverConfig.Value;

    /// <summary>The configuration of a driver ActorSystem that ActorParallel starts itself (not one the user brings).</summary>
    public static Config OwnDriver => OwnDriverConfig.Value;

    /// <summary>The configuration of the local ActorSystem that runs a driver's supervisor and local pools (no remoting).</summary>
    public static Config OwnLocal => OwnLocalConfig.Value;

    /// <summary>A worker process's configuration.</summary>
    public static Config Worker => WorkerConfig.Value;

    /// <summary>An ActorParallel.Host worker node's configuration (binding, seeds and roles come from its command line).</summary>
    public static Config Node => NodeConfig.Value;

    /// <summary>
    /// A configuration of the given settings (dotted paths set to a string, a list of strings, an
    /// integer or a boolean), built as HOCON values, not as text: nothing in a value can be read as
    /// HOCON. (Akka's <c>ConfigurationFactory.FromObject</c> does the same through Newtonsoft.Json,
    /// which cost every starting ActorSystem ~40 ms of CPU.)
    /// </summary>
    public static Config Settings(params (string Path, object Value)[] settings)
    {
        var root = new HoconObject();
        foreach (var (path, value) in settings)
        {
            var keys = path.Split('.');
            var parent = root;
            foreach (var key in keys[..^1])
            {
                var child = parent.GetOrCreateKey(key);
                if (child.GetObject() is not { } next)
                {
                    next = new HoconObject();
                    child.NewValue(next);
                }
                parent = next;
            }
            parent.GetOrCreateKey(keys[^1]).NewValue(Element(value));
        }
        var top = new HoconValue();
        top.NewValue(root);
        return new Config(new HoconRoot(top));
    }

    private static IHoconElement Element(object value) => value switch
    {
        bool flag => Literal(flag ? "on" : "off"),
        int or long => Literal(Convert.ToString(value, CultureInfo.InvariantCulture)!),
        string text => Literal(text),
        IEnumerable<string> list => List(list),
        _ => throw new ArgumentException($"A setting's value must be a string, a list of strings, an integer or a boolean, not {value.GetType()}.", nameof(value)),
    };

    private static HoconLiteral Literal(string text) => new() { Value = text };

    private static HoconArray List(IEnumerable<string> items)
    {
        var array = new HoconArray();
        foreach (var item in items)
        {
            var element = new HoconValue();
            element.NewValue(Literal(item));
            array.Add(element);
        }
        return array;
    }

    private static Config Load(string file) =>
        ConfigurationFactory.FromResource($"ActorParallel.hocon.{file}", typeof(AkkaConfig).Assembly);
}
