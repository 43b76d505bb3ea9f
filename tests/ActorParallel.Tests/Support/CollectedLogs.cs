using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Tests.Support;

/// <summary>One record a logger received.</summary>
public sealed record LogRecord(LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every record it is given, with a wait for the first one
/// that matches; <see cref="Factory"/> is a logger factory over it, as an application would build one.
/// </summary>
public sealed class CollectedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogRecord> _records = new();
    private readonly List<(Func<LogRecord, bool> Match, TaskCompletionSource<LogRecord> Seen)> _waiters = [];

    /// <param name="minimum">The lowest level kept of the library's own categories (<c>ActorParallel.*</c>).</param>
    /// <param name="akkaMinimum">The lowest level kept of Akka's (<c>Akka.*</c>).</param>
    public CollectedLogs(LogLevel minimum = LogLevel.Information, LogLevel akkaMinimum = LogLevel.Warning)
    {
        Factory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddFilter("Akka", akkaMinimum)
            .AddProvider(this));
    }

    public ILoggerFactory Factory { get; }

    public IReadOnlyCollection<LogRecord> Records => _records;

    /// <summary>The first record that <paramref name="match"/> accepts, logged before or after this call.</summary>
    public Task<LogRecord> WaitFor(Func<LogRecord, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<LogRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_records.FirstOrDefault(match) is { } record)
            {
                return Task.FromResult(record);
            }
            _waiters.Add((match, seen));
        }
        return seen.Task.WaitAsync(timeout);
    }

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogRecord record)
    {
        lock (_waiters)
        {
            _records.Enqueue(record);
            foreach (var waiter in _waiters.Where(w => w.Match(record)).ToList())
            {
                waiter.Seen.TrySetResult(record);
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Collector(CollectedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Add(new LogRecord(logLevel, category, formatter(state, exception), exception));
    }
}
