using System.Text.Json.Nodes;

namespace ActorParallel.Benchmarks;

/// <summary>One result line, in mp_bench.py's JSON schema.</summary>
internal sealed record Row(string Peer, string Bench, double N, double Seconds, double? PerSecond, JsonObject Json)
{
    public static Row Of(string bench, double n, TimeSpan elapsed, params (string Key, object Value)[] extra)
    {
        var seconds = Math.Round(elapsed.TotalSeconds, 6);
        var perSecond = seconds > 0 ? Math.Round(n / seconds, 1) : (double?)null;
        var json = new JsonObject
        {
            ["peer"] = "actorparallel",
            ["dotnet"] = Environment.Version.ToString(),
            ["bench"] = bench,
            ["n"] = n,
            ["seconds"] = seconds,
            ["per_second"] = perSecond,
        };
        foreach (var (key, value) in extra)
        {
            json[key] = value switch
            {
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                double d => JsonValue.Create(d),
                bool b => JsonValue.Create(b),
                _ => JsonValue.Create(value.ToString()),
            };
        }
        return new Row("actorparallel", bench, n, seconds, perSecond, json);
    }

    public static Row Parse(string line)
    {
        var json = JsonNode.Parse(line)!.AsObject();
        return new Row(
            (string)json["peer"]!,
            (string)json["bench"]!,
            (double)json["n"]!,
            (double)json["seconds"]!,
            json["per_second"] is { } rate ? (double)rate : null,
            json);
    }

    public string ToJson() => Json.ToJsonString();
}
