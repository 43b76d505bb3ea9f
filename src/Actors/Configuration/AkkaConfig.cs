using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace ActorParallel.Configuration;

/// <summary>The HOCON that ActorParallel's ActorSystems run with, read from the embedded <c>hocon/*.conf</c>.</summary>
internal static class AkkaConfig
{
    private static readonly Lazy<Config> DriverConfig = new(() => Load("actorparallel.conf"));
    private static readonly Lazy<Config> WorkerConfig = new(() => Load("actorparallel-worker.conf").WithFallback(DriverConfig.Value));
    private static readonly Lazy<Config> NodeConfig = new(() => Load("actorparallel-node.conf").WithFallback(DriverConfig.Value));

    /// <summary>The driver's configuration.</summary>
    public static Config Driver => DriverConfig.Value;

    /// <summary>A worker process's configuration.</summary>
    public static Config Worker => WorkerConfig.Value;

    /// <summary>An ActorParallel.Host worker node's configuration (binding, seeds and roles come from its command line).</summary>
    public static Config Node => NodeConfig.Value;

    /// <summary>
    /// A configuration of the given settings, each path set to a quoted string, a number, a
    /// boolean or a list of strings. Values are quoted as HOCON strings, never spliced in as HOCON
    /// text. (Akka's <c>ConfigurationFactory.FromObject</c> would do the same through Newtonsoft.Json,
    /// which costs a starting worker about 50 ms of CPU.)
    /// </summary>
    public static Config Settings(params (string Path, object Value)[] settings)
    {
        var text = new StringBuilder();
        foreach (var (path, value) in settings)
        {
            text.Append(path).Append(" = ");
            AppendValue(text, value);
            text.Append('\n');
        }
        return ConfigurationFactory.ParseString(text.ToString());
    }

    private static void AppendValue(StringBuilder text, object value)
    {
        switch (value)
        {
            case bool flag:
                text.Append(flag ? "on" : "off");
                break;
            case int or long:
                text.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case string single:
                AppendQuoted(text, single);
                break;
            case IEnumerable<string> list:
                text.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    text.Append(first ? "" : ", ");
                    AppendQuoted(text, item);
                    first = false;
                }
                text.Append(']');
                break;
            default:
                throw new ArgumentException($"A setting's value must be a string, a list of strings, an integer or a boolean, not {value.GetType()}.", nameof(value));
        }
    }

    /// <summary>A HOCON quoted string (JSON's escaping), so that no value can end the string early.</summary>
    private static void AppendQuoted(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }

    private static Config Load(string file) =>
        ConfigurationFactory.FromResource($"ActorParallel.hocon.{file}", typeof(AkkaConfig).Assembly);
}
