using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorParallel.Tests.Support;

/// <summary>The warnings an ActorSystem logs from now on, with a wait for the first one that matches.</summary>
public sealed class WarningLog : IDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _collector;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    public WarningLog(ActorSystem system)
    {
        _system = system;
        _collector = system.ActorOf(Props.Create(() => new Collector(this)));
        system.EventStream.Subscribe(_collector, typeof(Akka.Event.Warning));
    }

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The first warning that <paramref name="match"/> accepts, logged before or after this call.</summary>
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
        public Collector(WarningLog log) => Receive<Akka.Event.Warning>(warning => log.Add($"{warning.Message}"));
    }
}
