using Xunit.Abstractions;

namespace ActorParallel.Tests.Faults;

/// <summary>
/// The counts a fault case reports (<c>rounds: 20, completed: 20, lost: 0</c>), written to the test
/// output so that <c>--logger "console;verbosity=detailed"</c> shows them for the README's table.
/// </summary>
public sealed class Tally(ITestOutputHelper output, string name)
{
    private readonly List<(string Key, long Value)> _counts = [];

    public long this[string key]
    {
        get => _counts.FirstOrDefault(c => c.Key == key).Value;
        set
        {
            var index = _counts.FindIndex(c => c.Key == key);
            if (index < 0)
            {
                _counts.Add((key, value));
            }
            else
            {
                _counts[index] = (key, value);
            }
        }
    }

    public void Increment(string key) => this[key] = this[key] + 1;

    public void Note(string line) => output.WriteLine($"  {name}: {line}");

    public void Report() => output.WriteLine($"TALLY {name}: {string.Join(", ", _counts.Select(c => $"{c.Key}: {c.Value}"))}");
}
