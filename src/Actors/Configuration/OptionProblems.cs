namespace ActorParallel.Configuration;

/// <summary>
/// The one way options are validated (Polly's <c>ValidationHelper</c> does the same): every problem is
/// found before anything is thrown, and they all come in one <see cref="ArgumentException"/> whose
/// message lists them and whose <see cref="ArgumentException.ParamName"/> is the option at fault (the
/// options class's name when several are).
/// </summary>
/// <param name="optionsName">The options class, e.g. <c>PoolOptions</c>.</param>
internal sealed class OptionProblems(string optionsName)
{
    private readonly List<(string Option, string Problem)> _problems = [];

    /// <summary>Notes that <paramref name="option"/> is wrong; <paramref name="problem"/> names it and says what it was.</summary>
    public void Add(string option, string problem) => _problems.Add((option, problem));

    /// <exception cref="ArgumentException">Some option is wrong: every problem, in one message.</exception>
    public void ThrowIfAny()
    {
        if (_problems.Count == 0)
        {
            return;
        }
        var options = _problems.Select(found => found.Option).Distinct().ToList();
        throw new ArgumentException($"Invalid {optionsName}: {string.Join(" ", _problems.Select(found => found.Problem))}", options.Count == 1 ? options[0] : optionsName);
    }
}
