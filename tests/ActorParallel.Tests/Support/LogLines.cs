using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorParallel.Tests.Support;

/// <summary>The lines an ActorSystem logs at one level (<see cref="Akka.Event.Warning"/>, <see cref="Akka.Event.Info"/>, ...) from now on, with a wait for the first one that matches.</summary>
public sealed class LogLines : IDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _collector;
    private readonly Akka.Event.LogLevel _levelBefore;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    /// <param name="system">The system whose log is read.</param>
    /// <param name="level">The log event type of the level read.</param>
    public LogLines(ActorSystem system, Type level)
    {
        _system = system;
        _levelBefore = system.EventStream.LogLevel;
        var wanted = level == typeof(Akka.Event.Debug) ? Akka.Event.LogLevel.DebugLevel
            : level == typeof(Akka.Event.Info) ? Akka.Event.LogLevel.InfoLevel
            : level == typeof(Akka.Event.Warning) ? Akka.Event.LogLevel.WarningLevel
            : Akka.Event.LogLevel.ErrorLevel;
        if (wanted < _levelBefore)
        {
            // The system logs from WARNING up: let this level through while the lines are read.
            system.EventStream.SetLogLevel(wanted);
        }
        _collector = system.ActorOf(Props.Create(() => new Collector(this)));
        system.EventStream.Subscribe(_collector, level);
    }

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The first line that <paramref name="match"/> accepts, logged before or after this call.</summary>
    public Task<string> WaitFor(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return Task.FromResult(line);
            }
            _waiters.Add((match, seen));
        }
        return seen.Task.WaitAsync(timeout);
    }

    public void Dispose()
    {
        _system.EventStream.Unsubscribe(_collector);
        _system.Stop(_collector);
        _system.EventStream.SetLogLevel(_levelBefore);
    }

    private void Add(string line)
    {
        lock (_waiters)
        {
            _lines.Enqueue(line);
            foreach (var (match, seen) in _waiters.Where(w => w.Match(line)).ToList())
            {
                seen.TrySetResult(line);
            }
        }
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(LogLines log) => Receive<Akka.Event.LogEvent>(logged => log.Add($"{logged.Message}"));
    }
}
